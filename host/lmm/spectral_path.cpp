// The spectral per-gene path for one random component (ALGORITHM.md section 6): zrz and ZZ are
// eigendecomposed once, every gene is projected with one GEMM, and each iteration is O(q).
#include <flashmm/detail/spectral_score.hpp>

#include "lmm/ginv.hpp"
#include "lmm/paths.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

SpectralPath::SpectralPath(const Prepared& pre, const LmmOptions& options) : pre_(pre), options_(options) {
  const SummaryStats& st = *pre.stats;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zrz_eig((pre.zrz + pre.zrz.transpose()) / 2);
  l_ = zrz_eig.eigenvalues();
  w_ = zrz_eig.eigenvectors().transpose() * pre.zry;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zz_eig(st.ZZ);
  g_ = zz_eig.eigenvalues();
  V_ = zz_eig.eigenvectors();
  h_ = V_.transpose() * st.ZY;
  gx_ = V_.transpose() * st.ZX;
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

  auto to_eigen = [](const SpectralScore& sc, Eigen::VectorXd& dl, Eigen::MatrixXd& F) {
    dl.resize(2);
    F.resize(2, 2);
    dl << sc.dl[0], sc.dl[1];
    F << sc.F[0][0], sc.F[0][1], sc.F[1][0], sc.F[1][1];
  };

  VarianceEstimate ve;
  Eigen::VectorXd s = start_theta(pre, options_, g);
  Eigen::VectorXd dl;
  Eigen::MatrixXd F;
  double max_dl = std::numeric_limits<double>::infinity();
  while (max_dl > options_.epsilon && ve.niter < options_.max_iter) {
    ++ve.niter;
    to_eigen(spectral_score(w, l, e, q, yry, n_eff, s(0), s(1)), dl, F);
    max_dl = dl.cwiseAbs().maxCoeff();
    s += ginv(F) * dl;
    if (!s.allFinite() || !std::isfinite(max_dl)) {
      ve.finite = false;
      break;
    }
  }
  SpectralScore sc = spectral_score(w, l, e, q, yry, n_eff, s(0), s(1));
  if (ve.finite) {
    s(1) = (yry - sc.zry_m_d_zry) / static_cast<double>(pre.n - pre.pres);
    sc = spectral_score(w, l, e, q, yry, n_eff, s(0), s(1));
  }
  to_eigen(sc, ve.dl, ve.F);
  ve.theta = s;
  ve.logdet_m0 = sc.logdet_m0;

  // Fixed effects with Mb = V diag(r / (1 + r g)) V'.
  const double r = s(0) / s(1);
  const Eigen::VectorXd c = (r / (1.0 + r * g_.array())).matrix();
  FixedEffectsInput fe;
  fe.W = st.XX - gx_.transpose() * c.asDiagonal() * gx_;
  fe.xvy = st.XY.col(g) - gx_.transpose() * c.cwiseProduct(h_.col(g));
  Eigen::VectorXd b;
  store_gene(pre, options_, g, ve, fe, fit, b);
  fit.blup.col(g) = V_ * c.cwiseProduct(h_.col(g) - gx_ * b);
}

}  // namespace flashmm::detail
