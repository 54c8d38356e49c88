#pragma once
// Internal: the two per-gene paths of the fit. Both run the same iteration (ALGORITHM.md
// section 3); the spectral path evaluates it in O(q) per iteration for one random component
// (section 6). Each fit_gene call is independent and thread-safe.
#include "lmm/prepared.hpp"

namespace flashmm::detail {

class GeneralPath {
 public:
  GeneralPath(const Prepared& pre, const LmmOptions& options) : pre_(pre), options_(options) {}
  void fit_gene(Index g, LmmFit& fit) const;

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
};

class SpectralPath {
 public:
  SpectralPath(const Prepared& pre, const LmmOptions& options);
  void fit_gene(Index g, LmmFit& fit) const;

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
  Eigen::VectorXd l_;   ///< q eigenvalues of zrz
  Eigen::VectorXd g_;   ///< q eigenvalues of ZZ
  Eigen::MatrixXd w_;   ///< q x G: U' zry
  bool identity_v_ = false;  ///< ZZ is diagonal: V = I, and V_, h_, gx_ are not formed
  Eigen::MatrixXd V_;   ///< q x q eigenvectors of ZZ
  Eigen::MatrixXd h_;   ///< q x G: V' ZY
  Eigen::MatrixXd gx_;  ///< q x p: V' ZX
};

/// Starting values: theta0, or (0, .., 0, yry / (n - p)).
Eigen::VectorXd start_theta(const Prepared& pre, const LmmOptions& options, Index g);

}  // namespace flashmm::detail
