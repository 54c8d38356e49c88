#include "fit/spectral_basis.hpp"
#include "util/columnwise.hpp"

namespace flashmm::detail {

SpectralBasis::SpectralBasis(const Prepared& pre) {
  const SummaryStats& st = *pre.stats;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zrz_eig((pre.zrz + pre.zrz.transpose()) / 2);
  l = zrz_eig.eigenvalues();
  U = zrz_eig.eigenvectors();
  if (is_diagonal(st.ZZ)) {
    // One-hot sample indicators: ZZ = diag(cells per sample), its eigenvectors are the identity.
    identity_v = true;
    g = st.ZZ.diagonal();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> zz_eig(st.ZZ);
    g = zz_eig.eigenvalues();
    V = zz_eig.eigenvectors();
    h = columnwise_product(V.transpose(), st.ZY, pre.threads);
    gx = V.transpose() * st.ZX;
  }
}

}  // namespace flashmm::detail
