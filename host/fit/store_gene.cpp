// The per-gene outputs shared by both paths: fixed effects from W and xvy, standard errors,
// tests, log-likelihood and convergence status (ALGORITHM.md section 3, "fixed effects").
#include <flashmm/hypothesis_tests.hpp>

#include "fit/ginv.hpp"
#include "fit/prepared.hpp"
#include "fit/step_control.hpp"

#include <cmath>
#include <numbers>

namespace flashmm::detail {

void store_gene(const Prepared& pre, const LmmOptions& options, Index g, const VarianceEstimate& ve,
                const FixedEffectsInput& fe, LmmFit& fit, Eigen::VectorXd& b_out) {
  const Index p = pre.p;
  const int k = pre.k;
  const double s0 = ve.theta(k);

  fit.theta.col(g) = ve.theta;
  fit.dlogL.col(g) = ve.dl;
  fit.niter[static_cast<std::size_t>(g)] = ve.niter;
  Eigen::Map<Eigen::MatrixXd>(fit.fim_theta.col(g).data(), k + 1, k + 1) = ve.F;
  const Eigen::MatrixXd Finv = ginv(ve.F);
  fit.se_theta.col(g) = Finv.diagonal().cwiseSqrt();
  fit.logLik(g) = -static_cast<double>(pre.n - pre.pres) * (1.0 + std::log(2.0 * std::numbers::pi * s0)) / 2.0 +
                  ve.logdet_m0 / 2.0;

  if (fit.fim_beta.size() > 0)
    Eigen::Map<Eigen::MatrixXd>(fit.fim_beta.col(g).data(), p, p) = (fe.W + fe.W.transpose()) / (2.0 * s0);
  const Eigen::MatrixXd Winv = symmetric_ginv(fe.W);
  b_out = Winv * fe.xvy;
  const Eigen::MatrixXd cov = (Winv + Winv.transpose()) * (s0 / 2.0);
  Eigen::Map<Eigen::MatrixXd>(fit.cov.col(g).data(), p, p) = cov;
  fit.coef.col(g) = b_out;
  fit.se.col(g) = cov.diagonal().cwiseSqrt();
  for (Index j = 0; j < p; ++j) fit.t(j, g) = b_out(j) / fit.se(j, g);
  store_t_tests(pre, options, g, fit);
  fit.status[static_cast<std::size_t>(g)] = gene_status(options, ve, b_out.allFinite());
}

void store_t_tests(const Prepared& pre, const LmmOptions& options, Index g, LmmFit& fit) {
  const double df = static_cast<double>(pre.n - pre.p);
  // With Satterthwaite df the p-values are computed once, after the df (fit_lmm.cpp).
  const bool residual_df = options.df == DfMethod::residual;
  for (Index j = 0; j < pre.p; ++j) {
    fit.df(j, g) = df;
    fit.p(j, g) = residual_df ? t_test_p(fit.t(j, g), df, Alternative::two_sided) : std::nan("");
  }
}

GeneStatus gene_status(const LmmOptions& options, const VarianceEstimate& ve, bool coef_finite) {
  const double s0 = ve.theta(ve.theta.size() - 1);
  const bool finite = ve.finite && ve.theta.allFinite() && ve.dl.allFinite() && coef_finite;
  if (!finite) return GeneStatus::non_finite;
  if (!(s0 > 0)) return GeneStatus::nonpositive_residual;
  if (score_criterion(ve.theta, ve.dl, options.nonnegative || ve.fallback) < options.epsilon)
    return ve.fallback ? GeneStatus::converged_nonnegative : GeneStatus::converged;
  return ve.stop_reason;
}

}  // namespace flashmm::detail
