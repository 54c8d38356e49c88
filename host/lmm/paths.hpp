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
  /// Eigendecomposes zrz and ZZ. project: also form w = U' zry for every gene (the CPU fit);
  /// the GPU fit projects on the device and passes false.
  SpectralPath(const Prepared& pre, const LmmOptions& options, bool project = true);
  /// Fisher scoring (detail::spectral_fit), then finish_gene. Needs project.
  void fit_gene(Index g, LmmFit& fit) const;
  /// The fixed-effects step at the gene's variance estimate, store_gene and the BLUP.
  void finish_gene(Index g, const VarianceEstimate& ve, LmmFit& fit) const;

  const Eigen::VectorXd& zrz_eigenvalues() const { return l_; }  ///< q, ascending
  const Eigen::VectorXd& zz_eigenvalues() const { return g_; }   ///< q
  const Eigen::MatrixXd& zrz_eigenvectors() const { return U_; } ///< q x q, column-major
  /// The eigenvalues e of B and M0: those of zrz (REML) or ZZ (ML).
  const Eigen::VectorXd& score_eigenvalues() const { return pre_.method == Method::reml ? l_ : g_; }

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
  Eigen::VectorXd l_;   ///< q eigenvalues of zrz
  Eigen::VectorXd g_;   ///< q eigenvalues of ZZ
  Eigen::MatrixXd U_;   ///< q x q eigenvectors of zrz
  Eigen::MatrixXd w_;   ///< q x G: U' zry (empty unless project)
  bool identity_v_ = false;  ///< ZZ is diagonal: V = I, and V_, h_, gx_ are not formed
  Eigen::MatrixXd V_;   ///< q x q eigenvectors of ZZ
  Eigen::MatrixXd h_;   ///< q x G: V' ZY
  Eigen::MatrixXd gx_;  ///< q x p: V' ZX
};

/// The variance estimate of a spectral fit: theta = (s1, s0), dl, F, logdet, niter, finite.
VarianceEstimate spectral_estimate(const double s[2], const double dl[2], const double F[2][2], double logdet_m0,
                                   int niter, bool finite);

/// A fit with every output NaN (status all_zero, niter 0), shaped for pre.
LmmFit allocate_fit(const Prepared& pre, const LmmOptions& options);
/// Appends the warnings about skipped, non-converged and non-finite genes.
void add_fit_warnings(LmmFit& fit, const LmmOptions& options);

/// Starting values: theta0, or (0, .., 0, yry / (n - p)).
Eigen::VectorXd start_theta(const Prepared& pre, const LmmOptions& options, Index g);

}  // namespace flashmm::detail
