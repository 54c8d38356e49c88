// Satterthwaite df (ALGORITHM.md section 7): analytic gradient of c' cov c and observed
// information of the variance components, per gene, from the summary statistics.
#include <flashmm/error.hpp>
#include <flashmm/satterthwaite.hpp>

#include "fit/general_objective.hpp"
#include "fit/ginv.hpp"
#include "inference/satterthwaite_df.hpp"
#include "fit/spectral_objective.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <limits>
#include <optional>

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

}  // namespace

void satterthwaite_into(const Prepared& pre, const SpectralBasis* basis, const LmmFit& fit, const Eigen::MatrixXd& L,
                        int threads, Eigen::MatrixXd& out) {
  const Index m = L.cols();
  out = Eigen::MatrixXd::Constant(m, pre.genes, std::numeric_limits<double>::quiet_NaN());
  std::optional<GeneralObjective> general;
  if (basis == nullptr) general.emplace(pre);
  parallel_for_blocks(pre.genes, threads, 16, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      if (!fit.converged(g)) continue;
      const Eigen::VectorXd theta = fit.theta.col(g);
      const Eigen::MatrixXd phi = fit.cov_of(g) * L;  // cov L, p x m
      Eigen::MatrixXd H, grad;
      if (basis != nullptr) {
        const SpectralBasis& sb = *basis;
        H = spectral_observed_information(spectral_gene(pre, sb, g), theta(0), theta(1));
        grad = spectral_gradient(pre, sb, theta, phi);
      } else {
        H = general->observed_information(g, theta);
        grad = general_gradient(pre, theta, phi);
      }
      const Eigen::MatrixXd A = ginv(H);  // asymptotic covariance of theta-hat
      for (Index j = 0; j < m; ++j) {
        const double v = L.col(j).dot(phi.col(j));
        out(j, g) = 2.0 * v * v / grad.col(j).dot(A * grad.col(j));
      }
    }
  });
}

}  // namespace flashmm::detail

namespace flashmm {

Eigen::MatrixXd satterthwaite_df(const SummaryStats& stats, const LmmFit& fit, const Eigen::MatrixXd& L, int threads) {
  const Index p = stats.p(), G = stats.genes();
  if (fit.n_fixed() != p || fit.n_genes() != G || fit.k() != stats.k() || fit.theta.rows() != stats.k() + 1 ||
      fit.cov.rows() != p * p)
    throw InputError("satterthwaite_df: the fit (" + std::to_string(fit.n_fixed()) + " coefficients, " +
                     std::to_string(fit.n_genes()) + " genes, " + std::to_string(fit.k()) +
                     " random components) was not computed from these summary statistics (" + std::to_string(p) +
                     ", " + std::to_string(G) + ", " + std::to_string(stats.k()) + "); pass the statistics given to fit_lmm");
  if (L.rows() != p)
    throw InputError("satterthwaite_df: the contrast matrix has " + std::to_string(L.rows()) +
                     " rows but the model has " + std::to_string(p) + " coefficients");
  LmmOptions options;
  options.method = fit.method;
  const detail::Prepared pre = detail::prepare(stats, options);
  std::optional<detail::SpectralBasis> basis;
  if (pre.k == 1) basis.emplace(pre);
  Eigen::MatrixXd out;
  detail::satterthwaite_into(pre, basis ? &*basis : nullptr, fit, L, threads, out);
  return out;
}

Eigen::MatrixXd satterthwaite_df(const SummaryStats& stats, const LmmFit& fit, const std::vector<Contrast>& contrasts,
                                 int threads) {
  if (contrasts.empty()) return Eigen::MatrixXd(0, fit.n_genes());
  return satterthwaite_df(stats, fit, contrast_matrix(contrasts), threads);
}

}  // namespace flashmm
