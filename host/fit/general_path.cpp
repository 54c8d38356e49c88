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
  GeneralEvaluation ev;
  GeneralWorkspace ws;
  evaluate(g, s, ev, ws);
  return ev;
}

void GeneralPath::evaluate(Index g, const Eigen::VectorXd& s, GeneralEvaluation& ev, GeneralWorkspace& ws) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const auto zry = pre.zry.col(g);
  const double yry = pre.yry(g);
  const Index q = pre.q;
  const int k = pre.k;
  const double s0 = s(k);
  ev.r = variance_ratios(pre, s);

  ws.a.noalias() = ev.r.asDiagonal() * pre.zrz;
  ws.a.diagonal().array() += 1.0;
  ws.lu.compute(ws.a);
  ev.M = ws.lu.inverse();
  const Eigen::MatrixXd& A = pre.method == Method::reml ? pre.zrz : st.ZZ;
  if (pre.method == Method::reml) {
    ev.logdet_m0 = -ws.lu.matrixLU().diagonal().cwiseAbs().array().log().sum();
  } else {
    ws.a.noalias() = ev.r.asDiagonal() * st.ZZ;
    ws.a.diagonal().array() += 1.0;
    ws.lu0.compute(ws.a);
    ws.M0 = ws.lu0.inverse();
    ev.logdet_m0 = -ws.lu0.matrixLU().diagonal().cwiseAbs().array().log().sum();
  }
  const Eigen::MatrixXd& M0 = pre.method == Method::reml ? ev.M : ws.M0;

  const Eigen::VectorXd a = ev.M.transpose() * zry;  // zry' M
  ws.B.noalias() = A * M0;
  const Eigen::MatrixXd& B = ws.B;
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
}

std::pair<Eigen::VectorXd, GeneralEvaluation> GeneralPath::finish(Index g, const Eigen::VectorXd& s, bool finite,
                                                                  GeneralWorkspace& ws) const {
  GeneralEvaluation ev;
  evaluate(g, s, ev, ws);
  if (!finite) return {s, std::move(ev)};
  const auto zry = pre_.zry.col(g);
  Eigen::VectorXd reestimated = s;
  reestimated(pre_.k) = (pre_.yry(g) - zry.dot(ev.M * ev.r.cwiseProduct(zry))) / static_cast<double>(pre_.n - pre_.pres);
  evaluate(g, reestimated, ev, ws);
  return {reestimated, std::move(ev)};
}

void GeneralPath::score_plain(Index g, const Eigen::VectorXd& s_start, const LmmOptions& options,
                              const ScoringArrays& out) const {
  Eigen::VectorXd s = s_start;
  int niter = 0;
  bool finite = true;
  double max_dl = std::numeric_limits<double>::infinity();
  GeneralWorkspace ws;
  GeneralEvaluation ev;
  while (max_dl > options.epsilon && niter < options.max_iter) {
    ++niter;
    evaluate(g, s, ev, ws);
    max_dl = ev.dl.cwiseAbs().maxCoeff();
    s += ginv(ev.F) * ev.dl;
    if (!s.allFinite() || !std::isfinite(max_dl)) {
      finite = false;
      break;
    }
  }
  const auto [theta, last] = finish(g, s, finite, ws);
  const int k1 = out.k1;
  Eigen::Map<Eigen::VectorXd>(out.theta + g * k1, k1) = theta;
  Eigen::Map<Eigen::VectorXd>(out.dl + g * k1, k1) = last.dl;
  Eigen::Map<Eigen::MatrixXd>(out.F + g * k1 * k1, k1, k1) = last.F;
  out.logdet[g] = last.logdet_m0;
  out.niter[g] = niter;
  out.finite[g] = finite ? 1 : 0;
}

VarianceEstimate GeneralPath::fit_safeguarded(Index g, const LmmOptions& options) const {
  const GeneralObjective& obj = objective();
  const GeneObjective objective{[&](const Eigen::VectorXd& t) { return obj.loglik(g, t); },
                                [&](const Eigen::VectorXd& t) { return obj.observed_information(g, t); }};
  VarianceEstimate ve;
  GeneralWorkspace ws;
  const Eigen::VectorXd s = detail::fit_safeguarded(options, objective, start_theta(pre_, options, g),
                                                    [&](const Eigen::VectorXd& t) {
    GeneralEvaluation ev;
    evaluate(g, t, ev, ws);
    return ScoringStep{ev.dl, ev.F, ginv(ev.F) * ev.dl};
  }, ve);
  end_safeguarded(s, [&](const Eigen::VectorXd& t, bool finite) { return finish(g, t, finite, ws); },
                  [&](const Eigen::VectorXd& t) { return obj.loglik(g, t); }, ve);
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

std::vector<InformationDerivative> GeneralPath::information_derivatives(const Eigen::VectorXd& theta) const {
  // Xi = Z'V^-1 X s0 = (I + ZZ D)^-1 ZX; G_i = Xi[I_i]' Xi[I_i] / s0^2.
  const SummaryStats& st = *pre_.stats;
  const Index q = pre_.q;
  const double s0 = theta(pre_.k);
  const Eigen::VectorXd r = variance_ratios(pre_, theta);
  const Eigen::MatrixXd xi =
      Eigen::PartialPivLU<Eigen::MatrixXd>(Eigen::MatrixXd::Identity(q, q) + st.ZZ * r.asDiagonal()).solve(st.ZX);
  std::vector<InformationDerivative> out;
  Index off = 0;
  for (int i = 0; i < pre_.k; ++i) {
    const Index di = st.d[static_cast<std::size_t>(i)];
    out.push_back(information_derivative_of(xi.middleRows(off, di), 1.0 / s0));
    off += di;
  }
  return out;
}

}  // namespace flashmm::detail
