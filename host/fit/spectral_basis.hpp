#pragma once
// Internal: the eigendecompositions behind the spectral forms for one random component
// (ALGORITHM.md section 6), computed once per model and shared by the fit, the safeguarded
// optimizer and the Satterthwaite degrees of freedom.
#include "fit/prepared.hpp"
#include "fit/spectral_objective.hpp"

namespace flashmm::detail {

struct SpectralBasis {
  /// Needs exactly one random component (pre.k == 1).
  explicit SpectralBasis(const Prepared& pre);

  Eigen::VectorXd l;   ///< q eigenvalues of zrz, ascending
  Eigen::MatrixXd U;   ///< q x q eigenvectors of zrz
  Eigen::VectorXd g;   ///< q eigenvalues of ZZ
  bool identity_v = false;  ///< ZZ is diagonal: V = I, and V, h, gx are not formed
  Eigen::MatrixXd V;   ///< q x q eigenvectors of ZZ
  Eigen::MatrixXd h;   ///< q x G: V' ZY
  Eigen::MatrixXd gx;  ///< q x p: V' ZX

  /// V' ZX, whichever way it is stored.
  const Eigen::MatrixXd& gx_of(const SummaryStats& st) const { return identity_v ? st.ZX : gx; }
};

}  // namespace flashmm::detail
