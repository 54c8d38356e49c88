#pragma once
// Internal: the eigendecompositions behind the spectral forms for one random component
// (ALGORITHM.md section 6), computed once per model and shared by the fit, the safeguarded
// optimizer and the Satterthwaite degrees of freedom.
#include "fit/prepared.hpp"
#include "fit/spectral_objective.hpp"

namespace flashmm::detail {

struct SpectralBasis {
  /// Needs exactly one random component (pre.k == 1). project: also form w (the GPU projects
  /// on the device instead).
  explicit SpectralBasis(const Prepared& pre, bool project = true);

  Eigen::VectorXd l;   ///< q eigenvalues of zrz, ascending
  Eigen::MatrixXd U;   ///< q x q eigenvectors of zrz
  Eigen::VectorXd g;   ///< q eigenvalues of ZZ
  Eigen::MatrixXd w;   ///< q x G: U' zry (empty unless project)
  bool identity_v = false;  ///< ZZ is diagonal: V = I, and V, h, gx are not formed
  Eigen::MatrixXd V;   ///< q x q eigenvectors of ZZ
  Eigen::MatrixXd h;   ///< q x G: V' ZY
  Eigen::MatrixXd gx;  ///< q x p: V' ZX

  /// V' ZX, whichever way it is stored.
  const Eigen::MatrixXd& gx_of(const SummaryStats& st) const { return identity_v ? st.ZX : gx; }
};

/// Gene g's inputs of the spectral forms (the basis must be projected).
inline SpectralGene spectral_gene(const Prepared& pre, const SpectralBasis& sb, Index g) {
  return {sb.w.col(g).data(),
          sb.l.data(),
          sb.g.data(),
          pre.method == Method::reml ? sb.l.data() : sb.g.data(),
          static_cast<int>(pre.q),
          pre.yry(g),
          static_cast<double>(pre.n - pre.pres),
          static_cast<double>(pre.n - pre.pres - pre.q)};
}

}  // namespace flashmm::detail
