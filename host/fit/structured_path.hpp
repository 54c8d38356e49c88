#pragma once
// Internal: the structured path for several random components, one of them large
// (docs/structured_path.md): the large component's blocks of zrz and ZZ are eigendecomposed once
// (StructuredBasis) and the others enter through Schur complements of size q_small, so each
// quantity of an iteration costs O(q1 q_small^2 + q_small^3) instead of O(q^3). Exact: it equals
// the general path to rounding.
#include <flashmm/detail/scoring_arrays.hpp>
#include <flashmm/detail/structured_batch.hpp>

#include "fit/gene_path.hpp"
#include "fit/general_objective.hpp"
#include "fit/structured_basis.hpp"

#include <memory>
#include <mutex>

namespace flashmm::detail {

class StructuredPath final : public GenePath {
 public:
  /// pre.k must be at least 2.
  explicit StructuredPath(const Prepared& pre);

  double loglik(Index g, const Eigen::VectorXd& theta) const override;
  Eigen::MatrixXd observed_information(Index g, const Eigen::VectorXd& theta) const override;
  VarianceEstimate fit_safeguarded(Index g, const LmmOptions& options) const override;
  void fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const override;
  std::vector<InformationDerivative> information_derivatives(const Eigen::VectorXd& theta) const override;

  const StructuredBasis& basis() const { return basis_; }
  /// The per-gene arithmetic's view of the design side.
  const StructuredModel& model() const { return model_; }
  /// The genes' data in structured coordinates, q x G: rows [0, q1) U_zrz' zry_L, then zry_S
  /// (one GEMM for all genes, formed on first use).
  const Eigen::MatrixXd& w() const;

  /// Score and Fisher information of gene g at theta (k + 1), as GeneralPath::evaluate.
  struct Evaluation {
    Eigen::VectorXd dl;
    Eigen::MatrixXd F;
    double logdet_m0 = 0;
    double zry_m_d_zry = 0;
  };
  Evaluation evaluate(Index g, const Eigen::VectorXd& theta, bool with_logdet) const;

 private:
  /// FLASHMM's last step at s (GeneralPath::finish's rule).
  std::pair<Eigen::VectorXd, Evaluation> finish(Index g, const Eigen::VectorXd& s, bool finite) const;
  /// Gene g's ZY in the basis of ZZ's split (q, structured order).
  Eigen::VectorXd zy_structured(Index g) const;
  const GeneralObjective& dense_objective() const;

  const Prepared& pre_;
  StructuredBasis basis_;
  StructuredModel model_;
  mutable std::once_flag w_once_, yl_once_, dense_once_;
  mutable Eigen::MatrixXd w_;
  mutable Eigen::MatrixXd yl_;  ///< q1 x G: U_ZZ' ZY_L, when ZZ's block is not diagonal
  mutable std::unique_ptr<GeneralObjective> dense_;  ///< loglik where the large block alone is not positive definite
};

}  // namespace flashmm::detail
