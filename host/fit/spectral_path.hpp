#pragma once
// Internal: the spectral path for one random component (ALGORITHM.md section 6). zrz and ZZ are
// eigendecomposed once (SpectralBasis); every gene's projection w = U' zry makes each quantity of
// an iteration an O(q) sum.
#include <flashmm/detail/spectral_batch.hpp>

#include "fit/gene_path.hpp"
#include "fit/spectral_basis.hpp"

#include <mutex>

namespace flashmm::detail {

struct SafeguardOptions;
/// The safeguarded optimizer's options for the host-device form (spectral_safeguard.hpp).
SafeguardOptions safeguard_options(const LmmOptions& options);

class SpectralPath final : public GenePath {
 public:
  /// pre.k must be 1.
  explicit SpectralPath(const Prepared& pre);

  double loglik(Index g, const Eigen::VectorXd& theta) const override;
  Eigen::MatrixXd observed_information(Index g, const Eigen::VectorXd& theta) const override;
  VarianceEstimate fit_safeguarded(Index g, const LmmOptions& options) const override;
  void fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const override;
  std::vector<InformationDerivative> information_derivatives(const Eigen::VectorXd& theta) const override;

  const SpectralBasis& basis() const { return basis_; }
  /// w = U' zry, q x G (one GEMM for all genes), formed on first use: the GPU scorer projects on
  /// the device and needs it only for the genes of the host pass and the Satterthwaite df.
  const Eigen::MatrixXd& w() const;
  /// The eigenvalues e of B and M0: those of zrz (REML) or ZZ (ML).
  const Eigen::VectorXd& score_eigenvalues() const { return pre_.method == Method::reml ? basis_.l : basis_.g; }
  /// Gene g's inputs of the spectral forms.
  SpectralGene gene(Index g) const;
  /// The batch of all genes for score_spectral_gene (flashmm/detail/spectral_batch.hpp), host
  /// memory: the eigenvalues, yry, the options; starts, active genes and out as given; w left to
  /// the caller (w() here, the device's own projections there).
  SpectralBatch batch(const LmmOptions& options, const double* s_start, const unsigned char* active,
                      const ScoringArrays& out) const;

 private:
  const Prepared& pre_;
  SpectralBasis basis_;
  mutable std::once_flag w_once_;
  mutable Eigen::MatrixXd w_;
};

}  // namespace flashmm::detail
