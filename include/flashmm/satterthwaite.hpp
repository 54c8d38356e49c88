#pragma once
// Satterthwaite degrees of freedom of t tests on the fixed effects (ALGORITHM.md section 7),
// as lmerTest computes them, from the summary statistics alone:
//
//   v(theta) = c' cov(theta) c,  g = dv/dtheta,  A = (Hessian of -logLik at theta-hat)^-1,
//   df = 2 v^2 / (g' A g)
//
// with logLik the restricted log-likelihood for REML fits and the likelihood for ML fits. The
// derivatives are analytic (they agree with central differences of section 7's objective). The
// df does not depend on how theta is parameterised (variances here, relative standard deviations
// in lmerTest) because A and g transform together at a stationary point.
#include <flashmm/contrast.hpp>
#include <flashmm/lmm.hpp>

#include <vector>

namespace flashmm {

/// Satterthwaite df of the contrasts L (p x m, one column per contrast) for every gene: m x G,
/// from the design-side quantities the fit keeps (LmmFit::context; nothing is prepared again).
/// Genes that did not converge get NaN. Per gene it costs O(q) (one random component) or O(q^3)
/// (several) plus O(q p m + p^2 m); genes are split over threads (0: all) and the result does
/// not depend on their number. Throws InputError when L does not have p rows or the fit holds no
/// context (a fit file written without its statistics).
Eigen::MatrixXd satterthwaite_df(const LmmFit& fit, const Eigen::MatrixXd& L, int threads = 0);

/// The same for contrasts (contrast_matrix(contrasts)), m x G.
Eigen::MatrixXd satterthwaite_df(const LmmFit& fit, const std::vector<Contrast>& contrasts, int threads = 0);

}  // namespace flashmm
