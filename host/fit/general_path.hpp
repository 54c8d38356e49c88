#pragma once
// Internal: the general path, any number of random components (ALGORITHM.md section 3), O(q^3)
// per iteration. It also holds FLASHMM's plain iteration for the CPU scorer.
#include <flashmm/detail/scoring_arrays.hpp>

#include "fit/gene_path.hpp"
#include "fit/general_objective.hpp"

#include <mutex>

namespace flashmm::detail {

/// One evaluation of the scoring iteration at s (a pass of FLASHMM's loop body).
struct GeneralEvaluation {
  Eigen::VectorXd dl;   ///< k+1: score
  Eigen::MatrixXd F;    ///< (k+1) x (k+1): Fisher information
  Eigen::MatrixXd M;    ///< q x q: (I + D zrz)^-1
  Eigen::VectorXd r;    ///< q: s_i / s0 per column of Z
  double logdet_m0 = 0;
};

/// Scratch of evaluate, reused from one evaluation to the next (the q x q matrices are allocated
/// once per gene or thread instead of once per evaluation).
struct GeneralWorkspace {
  Eigen::MatrixXd a;                      ///< I + D zrz, then (ML) I + D ZZ
  Eigen::PartialPivLU<Eigen::MatrixXd> lu, lu0;
  Eigen::MatrixXd M0, B;
};

class GeneralPath final : public GenePath {
 public:
  explicit GeneralPath(const Prepared& pre) : pre_(pre) {}

  double loglik(Index g, const Eigen::VectorXd& theta) const override;
  Eigen::MatrixXd observed_information(Index g, const Eigen::VectorXd& theta) const override;
  VarianceEstimate fit_safeguarded(Index g, const LmmOptions& options) const override;
  void fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const override;
  std::vector<InformationDerivative> information_derivatives(const Eigen::VectorXd& theta) const override;

  /// FLASHMM's plain Fisher scoring of gene g from s_start, stored as gene g of out.
  void score_plain(Index g, const Eigen::VectorXd& s_start, const LmmOptions& options, const ScoringArrays& out) const;
  /// Score and Fisher information of gene g at s.
  GeneralEvaluation evaluate(Index g, const Eigen::VectorXd& s) const;
  /// The same into ev, with ws's matrices reused.
  void evaluate(Index g, const Eigen::VectorXd& s, GeneralEvaluation& ev, GeneralWorkspace& ws) const;

 private:
  /// FLASHMM's last step at s: s0 re-estimated as (yry - zry' M D zry) / (n - pres), then one
  /// more evaluation; where finite is false, the evaluation at s as it is. The one place of this
  /// re-estimate (plain scoring and the safeguarded optimizer end here).
  std::pair<Eigen::VectorXd, GeneralEvaluation> finish(Index g, const Eigen::VectorXd& s, bool finite,
                                                       GeneralWorkspace& ws) const;
  const GeneralObjective& objective() const;

  const Prepared& pre_;
  mutable std::once_flag objective_once_;
  mutable std::unique_ptr<GeneralObjective> objective_;  ///< eigendecomposes ZZ: built on first use
};

}  // namespace flashmm::detail
