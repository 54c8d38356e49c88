#pragma once
// Internal: the two per-gene paths of the fit. Both run the same iteration (ALGORITHM.md
// section 3); the spectral path evaluates it in O(q) per iteration for one random component
// (section 6). Each fit_gene call is independent and thread-safe.
#include "lmm/general_objective.hpp"
#include "lmm/prepared.hpp"
#include "lmm/spectral_basis.hpp"

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
  SpectralPath(const Prepared& pre, const LmmOptions& options) : pre_(pre), options_(options), basis_(pre) {}
  void fit_gene(Index g, LmmFit& fit) const;
  const SpectralBasis& basis() const { return basis_; }

 private:
  const Prepared& pre_;
  const LmmOptions& options_;
  SpectralBasis basis_;
};

/// Starting values: theta0, or (0, .., 0, yry / (n - p)).
Eigen::VectorXd start_theta(const Prepared& pre, const LmmOptions& options, Index g);

}  // namespace flashmm::detail
