// Satterthwaite df (ALGORITHM.md section 7): analytic gradient of c' cov c and observed
// information of the variance components, per gene, from the summary statistics.
#include <flashmm/error.hpp>
#include <flashmm/satterthwaite.hpp>

#include "fit/fit_context.hpp"
#include "fit/general_path.hpp"
#include "fit/ginv.hpp"
#include "fit/spectral_path.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

namespace {

// Gradient of v_j = L_j' cov L_j with respect to theta, (k+1) x m, from Phi = cov L.
// With psi = Z'V^-1 X phi = (I + ZZ D)^-1 ZX phi / s0:
//   dv/ds_i = |psi[I_i]|^2,   dv/ds0 = |V^-1 X phi|^2 = phi'XX phi / s0^2 - 2 h'D psi / s0 + psi'D ZZ D psi
// (h = ZX phi), because d cov / d theta_i = cov X'V^-1 V_i V^-1 X cov.
Eigen::MatrixXd spectral_gradient(const Prepared& pre, const SpectralBasis& sb, const Eigen::VectorXd& theta,
                                  const Eigen::MatrixXd& phi) {
  const SummaryStats& st = *pre.stats;
  const double s1 = theta(0), s0 = theta(1), r = s1 / s0;
  const Eigen::MatrixXd hv = sb.gx_of(st) * phi;  // V' ZX phi, q x m
  const Eigen::ArrayXd inv = (1.0 + r * sb.g.array()).inverse() / s0;
  const Eigen::MatrixXd xxphi = st.XX * phi;
  Eigen::MatrixXd grad(2, phi.cols());
  for (Index j = 0; j < phi.cols(); ++j) {
    const Eigen::ArrayXd psi = hv.col(j).array() * inv;  // in the eigenbasis of ZZ
    grad(0, j) = psi.square().sum();
    grad(1, j) = phi.col(j).dot(xxphi.col(j)) / (s0 * s0) - 2.0 * r * (hv.col(j).array() * psi).sum() / s0 +
                 r * r * (sb.g.array() * psi.square()).sum();
  }
  return grad;
}

Eigen::MatrixXd general_gradient(const Prepared& pre, const Eigen::VectorXd& theta, const Eigen::MatrixXd& phi) {
  const SummaryStats& st = *pre.stats;
  const int k = pre.k;
  const Index q = pre.q;
  const double s0 = theta(k);
  const Eigen::VectorXd r = variance_ratios(pre, theta);
  const Eigen::MatrixXd hz = st.ZX * phi;  // q x m
  const Eigen::MatrixXd psi =
      Eigen::PartialPivLU<Eigen::MatrixXd>(Eigen::MatrixXd::Identity(q, q) + st.ZZ * r.asDiagonal()).solve(hz) / s0;
  const Eigen::MatrixXd dpsi = r.asDiagonal() * psi;
  const Eigen::MatrixXd xxphi = st.XX * phi;
  const Eigen::MatrixXd zzdpsi = st.ZZ * dpsi;
  Eigen::MatrixXd grad(k + 1, phi.cols());
  for (Index j = 0; j < phi.cols(); ++j) {
    Index off = 0;
    for (int i = 0; i < k; ++i) {
      const Index di = st.d[static_cast<std::size_t>(i)];
      grad(i, j) = psi.col(j).segment(off, di).squaredNorm();
      off += di;
    }
    grad(k, j) = phi.col(j).dot(xxphi.col(j)) / (s0 * s0) - 2.0 * hz.col(j).dot(dpsi.col(j)) / s0 +
                 dpsi.col(j).dot(zzdpsi.col(j));
  }
  return grad;
}

// Fills out (m x G) with the Satterthwaite df of the contrasts L (p x m) of every converged gene.
void satterthwaite_into(const FitContext& ctx, const LmmFit& fit, const Eigen::MatrixXd& L, int threads,
                        Eigen::MatrixXd& out) {
  const Prepared& pre = ctx.prepared();
  const Index m = L.cols();
  out = Eigen::MatrixXd::Constant(m, pre.genes, std::numeric_limits<double>::quiet_NaN());
  const SpectralPath* spectral = ctx.spectral();
  parallel_for_blocks(pre.genes, threads, 16, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      if (!fit.converged(g)) continue;
      const Eigen::VectorXd theta = fit.theta.col(g);
      const Eigen::MatrixXd phi = fit.cov_of(g) * L;  // cov L, p x m
      const Eigen::MatrixXd H = ctx.path().observed_information(g, theta);
      const Eigen::MatrixXd grad =
          spectral ? spectral_gradient(pre, spectral->basis(), theta, phi) : general_gradient(pre, theta, phi);
      const Eigen::MatrixXd A = ginv(H);  // asymptotic covariance of theta-hat
      for (Index j = 0; j < m; ++j) {
        const double v = L.col(j).dot(phi.col(j));
        out(j, g) = 2.0 * v * v / grad.col(j).dot(A * grad.col(j));
      }
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
