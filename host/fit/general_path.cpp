// The general path: any number of random components, O(q^3) per iteration (ALGORITHM.md
// section 3): FLASHMM's plain iteration for the CPU scorer, the safeguarded optimizer and the
// fixed-effects step.
#include "fit/general_path.hpp"
#include "fit/ginv.hpp"
#include "fit/step_control.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

Eigen::VectorXd start_theta(const Prepared& pre, const LmmOptions& options, Index g) {
  if (!options.theta0.empty()) return Eigen::Map<const Eigen::VectorXd>(options.theta0.data(), pre.k + 1);
  Eigen::VectorXd s = Eigen::VectorXd::Zero(pre.k + 1);
  s(pre.k) = pre.yry(g) / static_cast<double>(pre.n - pre.p);
  return s;
}

const GeneralObjective& GeneralPath::objective() const {
  std::call_once(objective_once_, [&] { objective_ = std::make_unique<GeneralObjective>(pre_); });
  return *objective_;
}

double GeneralPath::loglik(Index g, const Eigen::VectorXd& theta) const { return objective().loglik(g, theta); }

Eigen::MatrixXd GeneralPath::observed_information(Index g, const Eigen::VectorXd& theta) const {
  return objective().observed_information(g, theta);
}

GeneralEvaluation GeneralPath::evaluate(Index g, const Eigen::VectorXd& s) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const auto zry = pre.zry.col(g);
  const double yry = pre.yry(g);
  const Index q = pre.q;
  const int k = pre.k;
  const double s0 = s(k);
  GeneralEvaluation ev;
  ev.r = variance_ratios(pre, s);

  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(q, q);
  Eigen::PartialPivLU<Eigen::MatrixXd> lu(identity + ev.r.asDiagonal() * pre.zrz);
  ev.M = lu.inverse();
  Eigen::MatrixXd M0;
  const Eigen::MatrixXd& A = pre.method == Method::reml ? pre.zrz : st.ZZ;
  if (pre.method == Method::reml) {
    M0 = ev.M;
    ev.logdet_m0 = -lu.matrixLU().diagonal().cwiseAbs().array().log().sum();
  } else {
    Eigen::PartialPivLU<Eigen::MatrixXd> lu0(identity + ev.r.asDiagonal() * st.ZZ);
    M0 = lu0.inverse();
    ev.logdet_m0 = -lu0.matrixLU().diagonal().cwiseAbs().array().log().sum();
  }

  const Eigen::VectorXd a = ev.M.transpose() * zry;  // zry' M
  const Eigen::MatrixXd B = A * M0;
  ev.dl.resize(k + 1);
  ev.F.resize(k + 1, k + 1);
  const double s02 = s0 * s0;
  Index off_i = 0;
  for (int i = 0; i < k; ++i) {
    const Index di = st.d[static_cast<std::size_t>(i)];
    ev.dl(i) = (a.segment(off_i, di).squaredNorm() / s02 - B.block(off_i, off_i, di, di).trace() / s0) / 2;
    Index off_j = 0;
    for (int j = 0; j <= i; ++j) {
      const Index dj = st.d[static_cast<std::size_t>(j)];
      ev.F(i, j) = ev.F(j, i) = B.block(off_j, off_i, dj, di).squaredNorm() / s02 / 2;
      off_j += dj;
    }
    // trace of C[I_i, I_i] with C = B M0, without forming C.
    double tr_c = 0;
    for (Index row = off_i; row < off_i + di; ++row) tr_c += B.row(row).dot(M0.col(row));
    ev.F(i, k) = ev.F(k, i) = tr_c / s02 / 2;
    off_i += di;
  }
  const double n_eff = static_cast<double>(pre.n - pre.pres - q);
  ev.F(k, k) = (n_eff + (M0.array() * M0.transpose().array()).sum()) / s02 / 2;
  const Eigen::VectorXd left = ev.M.transpose() * zry + zry;    // (M' + I) zry
  const Eigen::VectorXd right = ev.M * ev.r.cwiseProduct(zry);  // M (r .* zry)
  const double yr2y = yry - left.dot(right);
  ev.dl(k) = (yr2y / s02 - (n_eff + M0.trace()) / s0) / 2;
  return ev;
}

std::pair<Eigen::VectorXd, GeneralEvaluation> GeneralPath::finish(Index g, const Eigen::VectorXd& s,
                                                                  bool finite) const {
  GeneralEvaluation ev = evaluate(g, s);
  if (!finite) return {s, std::move(ev)};
  const auto zry = pre_.zry.col(g);
  Eigen::VectorXd reestimated = s;
  reestimated(pre_.k) = (pre_.yry(g) - zry.dot(ev.M * ev.r.cwiseProduct(zry))) / static_cast<double>(pre_.n - pre_.pres);
  return {reestimated, evaluate(g, reestimated)};
}

void GeneralPath::score_plain(Index g, const Eigen::VectorXd& s_start, const LmmOptions& options,
                              const ScoringArrays& out) const {
  Eigen::VectorXd s = s_start;
  int niter = 0;
  bool finite = true;
  double max_dl = std::numeric_limits<double>::infinity();
  while (max_dl > options.epsilon && niter < options.max_iter) {
    ++niter;
    const GeneralEvaluation ev = evaluate(g, s);
    max_dl = ev.dl.cwiseAbs().maxCoeff();
    s += ginv(ev.F) * ev.dl;
    if (!s.allFinite() || !std::isfinite(max_dl)) {
      finite = false;
      break;
    }
  }
  const auto [theta, ev] = finish(g, s, finite);
  const int k1 = out.k1;
  Eigen::Map<Eigen::VectorXd>(out.theta + g * k1, k1) = theta;
  Eigen::Map<Eigen::VectorXd>(out.dl + g * k1, k1) = ev.dl;
  Eigen::Map<Eigen::MatrixXd>(out.F + g * k1 * k1, k1, k1) = ev.F;
  out.logdet[g] = ev.logdet_m0;
  out.niter[g] = niter;
  out.finite[g] = finite ? 1 : 0;
}

VarianceEstimate GeneralPath::fit_safeguarded(Index g, const LmmOptions& options) const {
  const GeneralObjective& obj = objective();
  const GeneObjective objective{[&](const Eigen::VectorXd& t) { return obj.loglik(g, t); },
                                [&](const Eigen::VectorXd& t) { return obj.observed_information(g, t); }};
  VarianceEstimate ve;
  const Eigen::VectorXd s = detail::fit_safeguarded(options, objective, start_theta(pre_, options, g),
                                                    [&](const Eigen::VectorXd& t) {
    const GeneralEvaluation ev = evaluate(g, t);
    return ScoringStep{ev.dl, ev.F, ginv(ev.F) * ev.dl};
  }, ve);
  // FLASHMM's last step, kept only where it leaves theta valid without lowering the likelihood.
  auto [theta, ev] = finish(g, s, ve.finite);
  if (ve.finite && !(obj.loglik(g, theta) >= obj.loglik(g, s))) std::tie(theta, ev) = finish(g, s, false);
  ve.theta = theta;
  ve.dl = ev.dl;
  ve.F = ev.F;
  ve.logdet_m0 = ev.logdet_m0;
  return ve;
}

void GeneralPath::fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const {
  const SummaryStats& st = *pre_.stats;
  const Index q = pre_.q;
  // Mb = (I + D ZZ)^-1 D at the final theta.
  const Eigen::VectorXd r = variance_ratios(pre_, ve.theta);
  Eigen::PartialPivLU<Eigen::MatrixXd> lub(Eigen::MatrixXd::Identity(q, q) + r.asDiagonal() * st.ZZ);
  const Eigen::MatrixXd Mb = lub.solve(Eigen::MatrixXd(r.asDiagonal()));
  const Eigen::MatrixXd MbZX = Mb * st.ZX;  // q x p
  FixedEffectsInput fe;
  fe.W = st.XX - st.ZX.transpose() * MbZX;
  fe.xvy = st.XY.col(g) - st.ZX.transpose() * (Mb * st.ZY.col(g));
  Eigen::VectorXd b;
  store_gene(pre_, options, g, ve, fe, fit, b);
  fit.blup.col(g) = Mb * (st.ZY.col(g) - st.ZX * b);
}

}  // namespace flashmm::detail
