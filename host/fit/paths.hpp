#pragma once
// Internal: the two per-gene paths of the fit. Both run the same iteration (ALGORITHM.md
// section 3); the spectral path evaluates it in O(q) per iteration for one random component
// (section 6). Each fit_gene call is independent and thread-safe.
#include "fit/general_objective.hpp"
#include "fit/prepared.hpp"
#include "fit/spectral_basis.hpp"

#include <optional>

namespace flashmm::detail {

/// Whether the safeguarded optimizer runs (LmmOptions::robust, implied by nonnegative).
inline bool uses_step_control(const LmmOptions& options) { return options.robust || options.nonnegative; }

class GeneralPath {
 public:
  GeneralPath(const Prepared& pre, const LmmOptions& options) : pre_(pre), options_(options) {
    if (uses_step_control(options)) objective_.emplace(pre);
  }
  void fit_gene(Index g, LmmFit& fit) const;

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
  std::optional<GeneralObjective> objective_;  ///< only for the safeguarded optimizer
};

class SpectralPath {
 public:
  /// Eigendecomposes zrz and ZZ. project: also form w = U' zry for every gene (the CPU fit);
  /// the GPU fit projects on the device and passes false.
  SpectralPath(const Prepared& pre, const LmmOptions& options, bool project = true)
      : pre_(pre), options_(options), basis_(pre, project) {}
  /// Fisher scoring (detail::spectral_fit; the safeguarded optimizer where plain scoring fails
  /// under LmmOptions::robust), then finish_gene. Needs project.
  void fit_gene(Index g, LmmFit& fit) const;
  /// The fixed-effects step at the gene's variance estimate, store_gene and the BLUP.
  void finish_gene(Index g, const VarianceEstimate& ve, LmmFit& fit) const;

  const SpectralBasis& basis() const { return basis_; }
  const Eigen::VectorXd& zrz_eigenvalues() const { return basis_.l; }   ///< q, ascending
  const Eigen::MatrixXd& zrz_eigenvectors() const { return basis_.U; }  ///< q x q, column-major
  /// The eigenvalues e of B and M0: those of zrz (REML) or ZZ (ML).
  const Eigen::VectorXd& score_eigenvalues() const { return pre_.method == Method::reml ? basis_.l : basis_.g; }

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
  SpectralBasis basis_;
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
