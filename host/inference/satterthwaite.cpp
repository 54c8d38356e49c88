// Satterthwaite df (ALGORITHM.md section 7): analytic gradient of c' cov c and observed
// information of the variance components, per gene, from the summary statistics, through the
// fit's path (spectral, structured or general arithmetic).
#include <flashmm/error.hpp>
#include <flashmm/satterthwaite.hpp>

#include "fit/fit_context.hpp"
#include "fit/ginv.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

namespace {

// Fills out (m x G) with the Satterthwaite df of the contrasts L (p x m) of every converged gene.
// The gradient of v_j = L_j' cov L_j: d cov / d s_i = cov G_i cov with G_i = X'V^-1 Z_i Z_i' V^-1 X
// (GenePath::information_derivatives), so dv_j/ds_i = phi_j' G_i phi_j with Phi = cov L; and as
// cov is homogeneous of degree 1 in theta (V is linear in it), sum_i s_i dv/ds_i + s0 dv/ds0 = v,
// which gives dv/ds0 without forming X'V^-2X.
void satterthwaite_into(const FitContext& ctx, const LmmFit& fit, const Eigen::MatrixXd& L, int threads,
                        Eigen::MatrixXd& out) {
  const Prepared& pre = ctx.prepared();
  const Index m = L.cols();
  const int k = pre.k;
  out = Eigen::MatrixXd::Constant(m, pre.genes, std::numeric_limits<double>::quiet_NaN());
  const bool identity = L.rows() == L.cols() && L.isIdentity(0.0);  // every coefficient: Phi = cov
  parallel_for_blocks(pre.genes, threads, 16, [&](Index g0, Index g1) {
    Eigen::MatrixXd phi, gphi, grad(k + 1, m);
    Eigen::VectorXd v(m);
    for (Index g = g0; g < g1; ++g) {
      if (!fit.converged(g)) continue;
      const Eigen::VectorXd theta = fit.theta.col(g);
      const auto cov = fit.cov_of(g);
      if (identity) {
        phi = cov;
        v = cov.diagonal();
      } else {
        phi.noalias() = cov * L;  // p x m
        v = (L.array() * phi.array()).colwise().sum().transpose();
      }
      const std::vector<InformationDerivative> gi = ctx.path().information_derivatives(theta);
      grad.row(k) = v.transpose();
      for (int i = 0; i < k; ++i) {
        const InformationDerivative& d = gi[static_cast<std::size_t>(i)];
        gphi.noalias() = d.m * phi;
        if (d.root)  // phi' R'R phi
          grad.row(i) = gphi.colwise().squaredNorm();
        else
          grad.row(i) = (phi.array() * gphi.array()).colwise().sum();
        grad.row(k) -= theta(i) * grad.row(i);
      }
      grad.row(k) /= theta(k);
      const Eigen::MatrixXd A = ginv(ctx.path().observed_information(g, theta));  // asymptotic covariance of theta-hat
      for (Index j = 0; j < m; ++j) out(j, g) = 2.0 * v(j) * v(j) / grad.col(j).dot(A * grad.col(j));
    }
  });
}

}  // namespace
}  // namespace flashmm::detail

namespace flashmm {

Eigen::MatrixXd satterthwaite_df(const LmmFit& fit, const Eigen::MatrixXd& L, int threads) {
  if (!fit.context)
    throw InputError("Satterthwaite df need the summary statistics the fit was computed from, and this fit holds "
                     "none (a fit file written without them): refit, or use residual df");
  const detail::FitContext& ctx = *fit.context;
  const Index p = ctx.prepared().p;
  if (fit.n_fixed() != p || fit.n_genes() != ctx.prepared().genes || fit.k() != ctx.prepared().k)
    throw InputError("satterthwaite_df: the fit's shape (" + std::to_string(fit.n_fixed()) + " coefficients, " +
                     std::to_string(fit.n_genes()) + " genes) differs from its statistics'");
  if (L.rows() != p)
    throw InputError("satterthwaite_df: the contrast matrix has " + std::to_string(L.rows()) +
                     " rows but the model has " + std::to_string(p) + " coefficients");
  Eigen::MatrixXd out;
  detail::satterthwaite_into(ctx, fit, L, threads, out);
  return out;
}

Eigen::MatrixXd satterthwaite_df(const LmmFit& fit, const std::vector<Contrast>& contrasts, int threads) {
  if (contrasts.empty()) return Eigen::MatrixXd(0, fit.n_genes());
  return satterthwaite_df(fit, contrast_matrix(contrasts), threads);
}

}  // namespace flashmm
