// The spectral per-gene path for one random component (ALGORITHM.md section 6): zrz and ZZ are
// eigendecomposed once, every gene is projected with one GEMM, and each iteration is O(q).
#include <flashmm/detail/spectral_score.hpp>

#include "lmm/ginv.hpp"
#include "lmm/paths.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

namespace {
const double kGinvTolerance = std::sqrt(std::numeric_limits<double>::epsilon());

bool is_diagonal(const Eigen::MatrixXd& m) {
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      if (i != j && m(i, j) != 0.0) return false;
  return true;
}
}  // namespace

SpectralPath::SpectralPath(const Prepared& pre, const LmmOptions& options, bool project)
    : pre_(pre), options_(options) {
  const SummaryStats& st = *pre.stats;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zrz_eig((pre.zrz + pre.zrz.transpose()) / 2);
  l_ = zrz_eig.eigenvalues();
  U_ = zrz_eig.eigenvectors();
  if (project) w_ = U_.transpose() * pre.zry;
  if (is_diagonal(st.ZZ)) {
    // One-hot sample indicators: ZZ = diag(cells per sample), its eigenvectors are the identity.
    identity_v_ = true;
    g_ = st.ZZ.diagonal();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zz_eig(st.ZZ);
    g_ = zz_eig.eigenvalues();
    V_ = zz_eig.eigenvectors();
    h_ = V_.transpose() * st.ZY;
    gx_ = V_.transpose() * st.ZX;
  }
}

VarianceEstimate spectral_estimate(const double s[2], const double dl[2], const double F[2][2], double logdet_m0,
                                   int niter, bool finite) {
  VarianceEstimate ve;
  ve.theta = Eigen::Vector2d(s[0], s[1]);
  ve.dl = Eigen::Vector2d(dl[0], dl[1]);
  ve.F.resize(2, 2);
  ve.F << F[0][0], F[0][1], F[1][0], F[1][1];
  ve.logdet_m0 = logdet_m0;
  ve.niter = niter;
  ve.finite = finite;
  return ve;
}

void SpectralPath::fit_gene(Index g, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const double* e = pre.method == Method::reml ? l_.data() : g_.data();
  const Eigen::VectorXd s_start = start_theta(pre, options_, g);
  const SpectralFit f = spectral_fit(w_.col(g).data(), 1, l_.data(), e, static_cast<int>(pre.q), pre.yry(g),
                                     static_cast<double>(pre.n - pre.pres - pre.q),
                                     static_cast<double>(pre.n - pre.pres), s_start(0), s_start(1), options_.max_iter,
                                     options_.epsilon, kGinvTolerance);
  finish_gene(g, spectral_estimate(f.s, f.score.dl, f.score.F, f.score.logdet_m0, f.niter, f.finite), fit);
}

void SpectralPath::finish_gene(Index g, const VarianceEstimate& ve, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const double s[2] = {ve.theta(0), ve.theta(1)};

  // Fixed effects with Mb = V diag(c) V', c = r / (1 + r g): W = XX - G' diag(c) G, G = V' ZX.
  const double r = s[0] / s[1];
  const Eigen::VectorXd c = (r / (1.0 + r * g_.array())).matrix();
  const Eigen::MatrixXd& gx = identity_v_ ? st.ZX : gx_;
  const auto h = identity_v_ ? st.ZY.col(g) : h_.col(g);
  FixedEffectsInput fe;
  const Eigen::MatrixXd cg = c.asDiagonal() * gx;  // q x p
  fe.W = st.XX;
  fe.W.triangularView<Eigen::Lower>() -= gx.transpose() * cg;
  fe.W.triangularView<Eigen::StrictlyUpper>() = fe.W.transpose();
  fe.xvy = st.XY.col(g) - cg.transpose() * h;
  Eigen::VectorXd b;
  store_gene(pre, options_, g, ve, fe, fit, b);
  if (identity_v_)
    fit.blup.col(g) = c.cwiseProduct(h - gx * b);
  else
    fit.blup.col(g) = V_ * c.cwiseProduct(h - gx * b);
}

}  // namespace flashmm::detail
