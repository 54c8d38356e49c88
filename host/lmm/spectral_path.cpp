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

SpectralPath::SpectralPath(const Prepared& pre, const LmmOptions& options) : pre_(pre), options_(options) {
  const SummaryStats& st = *pre.stats;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zrz_eig((pre.zrz + pre.zrz.transpose()) / 2);
  l_ = zrz_eig.eigenvalues();
  w_ = zrz_eig.eigenvectors().transpose() * pre.zry;
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

void SpectralPath::fit_gene(Index g, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const int q = static_cast<int>(pre.q);
  const double* w = w_.col(g).data();
  const double* l = l_.data();
  const double* e = pre.method == Method::reml ? l_.data() : g_.data();
  const double yry = pre.yry(g);
  const double n_eff = static_cast<double>(pre.n - pre.pres - pre.q);

  VarianceEstimate ve;
  double s[2];
  {
    const Eigen::VectorXd s_start = start_theta(pre, options_, g);
    s[0] = s_start(0);
    s[1] = s_start(1);
  }
  double max_dl = std::numeric_limits<double>::infinity();
  while (max_dl > options_.epsilon && ve.niter < options_.max_iter) {
    ++ve.niter;
    const SpectralScore sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], false);
    max_dl = std::max(std::fabs(sc.dl[0]), std::fabs(sc.dl[1]));
    double finv[2][2];
    pinv_symmetric_2x2(sc.F, finv, kGinvTolerance);
    s[0] += finv[0][0] * sc.dl[0] + finv[0][1] * sc.dl[1];
    s[1] += finv[1][0] * sc.dl[0] + finv[1][1] * sc.dl[1];
    if (!std::isfinite(s[0]) || !std::isfinite(s[1]) || !std::isfinite(max_dl)) {
      ve.finite = false;
      break;
    }
  }
  SpectralScore sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], !ve.finite);
  if (ve.finite) {
    s[1] = (yry - sc.zry_m_d_zry) / static_cast<double>(pre.n - pre.pres);
    sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], true);
  }
  ve.theta = Eigen::Vector2d(s[0], s[1]);
  ve.dl = Eigen::Vector2d(sc.dl[0], sc.dl[1]);
  ve.F.resize(2, 2);
  ve.F << sc.F[0][0], sc.F[0][1], sc.F[1][0], sc.F[1][1];
  ve.logdet_m0 = sc.logdet_m0;

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
