// The general per-gene path: any number of random components, O(q^3) per iteration.
#include "fit/ginv.hpp"
#include "fit/paths.hpp"
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

namespace {

struct Evaluation {
  Eigen::VectorXd dl;
  Eigen::MatrixXd F;
  Eigen::MatrixXd M;   // (I + D zrz)^-1
  Eigen::VectorXd r;   // s_i / s0 expanded to q
  double logdet_m0 = 0;
};

// Score and Fisher information at s, exactly as one pass of FLASHMM's loop body.
Evaluation evaluate(const Prepared& pre, const Eigen::VectorXd& s, const Eigen::Ref<const Eigen::VectorXd>& zry,
                    double yry) {
  const Index q = pre.q;
  const int k = pre.k;
  const double s0 = s(k);
  const SummaryStats& st = *pre.stats;
  Evaluation ev;
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
  const Eigen::VectorXd left = ev.M.transpose() * zry + zry;              // (M' + I) zry
  const Eigen::VectorXd right = ev.M * ev.r.cwiseProduct(zry);            // M (r .* zry)
  const double yr2y = yry - left.dot(right);
  ev.dl(k) = (yr2y / s02 - (n_eff + M0.trace()) / s0) / 2;
  return ev;
}

}  // namespace

void GeneralPath::fit_gene(Index g, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const int k = pre.k;
  const auto zry = pre.zry.col(g);
  const double yry = pre.yry(g);

  // FLASHMM's iteration.
  VarianceEstimate ve;
  Eigen::VectorXd s = start_theta(pre, options_, g);
  double max_dl = std::numeric_limits<double>::infinity();
  while (max_dl > options_.epsilon && ve.niter < options_.max_iter) {
    ++ve.niter;
    const Evaluation ev = evaluate(pre, s, zry, yry);
    max_dl = ev.dl.cwiseAbs().maxCoeff();
    const Eigen::VectorXd step = ginv(ev.F) * ev.dl;
    s += step;
    if (!s.allFinite() || !std::isfinite(max_dl)) {
      ve.finite = false;
      break;
    }
  }
  // The safeguarded optimizer runs only where plain scoring fails: where it converges the result
  // stays FLASHMM's to the last bit.
  const bool refit = objective_ && !plain_scoring_succeeded(options_, s, max_dl <= options_.epsilon, ve.finite,
                                                            objective_->loglik(g, s));
  if (refit) {
    const GeneObjective objective{[&](const Eigen::VectorXd& t) { return objective_->loglik(g, t); },
                                  [&](const Eigen::VectorXd& t) { return objective_->observed_information(g, t); }};
    s = fit_safeguarded(options_, objective, start_theta(pre, options_, g), [&](const Eigen::VectorXd& t) {
      const Evaluation ev = evaluate(pre, t, zry, yry);
      return ScoringStep{ev.dl, ev.F, ginv(ev.F) * ev.dl};
    }, ve);
  }
  // Re-estimate the residual variance at the final ratios, then evaluate once more (FLASHMM);
  // after a safeguarded fit only where that keeps theta valid without lowering the likelihood.
  Evaluation ev = evaluate(pre, s, zry, yry);
  if (ve.finite) {
    const double zmdz = zry.dot(ev.M * ev.r.cwiseProduct(zry));
    Eigen::VectorXd reestimated = s;
    reestimated(k) = (yry - zmdz) / static_cast<double>(pre.n - pre.pres);
    if (!refit || objective_->loglik(g, reestimated) >= objective_->loglik(g, s)) {
      s = reestimated;
      ev = evaluate(pre, s, zry, yry);
    }
  }
  ve.theta = s;
  ve.dl = ev.dl;
  ve.F = ev.F;
  ve.logdet_m0 = ev.logdet_m0;

  // Fixed effects: Mb = (I + D ZZ)^-1 D.
  const Index q = pre.q;
  const Eigen::VectorXd& r = ev.r;  // at the final s
  Eigen::PartialPivLU<Eigen::MatrixXd> lub(Eigen::MatrixXd::Identity(q, q) + r.asDiagonal() * st.ZZ);
  const Eigen::MatrixXd Mb = lub.solve(Eigen::MatrixXd(r.asDiagonal()));
  const Eigen::MatrixXd MbZX = Mb * st.ZX;  // q x p
  FixedEffectsInput fe;
  fe.W = st.XX - st.ZX.transpose() * MbZX;
  fe.xvy = st.XY.col(g) - st.ZX.transpose() * (Mb * st.ZY.col(g));
  Eigen::VectorXd b;
  store_gene(pre, options_, g, ve, fe, fit, b);
  fit.blup.col(g) = Mb * (st.ZY.col(g) - st.ZX * b);
}

}  // namespace flashmm::detail
