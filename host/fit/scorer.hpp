#pragma once
// Internal: the scorer seam of the fit pipeline. A scorer runs FLASHMM's plain Fisher scoring
// (ALGORITHM.md section 3, the final residual re-estimate included) for a batch of genes in
// lockstep and writes theta, dl, F, log|det M0|, niter and a finite flag per gene. Everything
// before (prepare) and after (the safeguarded optimizer, the fixed-effects step, the df,
// warnings) is the same host code whichever scorer ran, so every option works on every device.
#include <flashmm/detail/scoring_arrays.hpp>

#include "fit/fit_context.hpp"
#include "fit/progress_report.hpp"

#include <memory>
#include <string>

namespace flashmm::detail {

/// What to score. Host memory.
struct ScoringInput {
  const unsigned char* active = nullptr;  ///< G: 1 = score the gene
  const double* s_start = nullptr;        ///< (k+1) x G, column-major: starting values
};

class Scorer {
 public:
  virtual ~Scorer() = default;
  /// Scores every active gene of ctx into out (host memory, (k+1) x G etc.; inactive genes are
  /// left as they are), reporting the genes scored to progress.
  virtual void score(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                     const ScoringArrays& out, ProgressReport& progress) = 0;

  /// Whether score() also ran the safeguarded optimizer (options.robust, nonnegative) on the
  /// genes where plain scoring failed, as the host pass would (out.stop and out.fallback set):
  /// then the host pass does not. Default: no.
  virtual bool runs_safeguard(const FitContext& ctx, const LmmOptions& options) const;

  /// The fixed-effects step of every active gene at its final estimate est (the scoring arrays
  /// after the host pass; host memory) into fit: everything store_gene writes (coef, se, t, p,
  /// df, cov, FIM of beta, se_theta, logLik, status) and the BLUP. Default: the path's
  /// fixed_effects on the host, genes split over options.threads.
  virtual void fixed_effects(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                             const ScoringArrays& est, LmmFit& fit, ProgressReport& progress);
};

/// Gene g of the scoring arrays as a variance estimate (stop and fallback where given), and back.
VarianceEstimate estimate_of(const ScoringArrays& a, Index g);
void store_estimate(const ScoringArrays& a, Index g, const VarianceEstimate& ve);

/// The CPU scorer, genes split over options.threads: the spectral path through
/// detail::score_spectral_gene (the function the CUDA kernel runs), the general path through
/// GeneralPath::score_plain. gene_major_w: hold the spectral projections genes x q, as the GPU
/// does (the tests use it to run the device's layout on the CPU).
std::unique_ptr<Scorer> make_cpu_scorer(bool gene_major_w = false);

/// Whether the CUDA scorer covers ctx's model; when not, *why_not says why.
bool gpu_scorer_covers(const FitContext& ctx, std::string* why_not);
/// The CUDA scorer (kernels/fit). Throws DeviceError when flashmm was built without CUDA.
std::unique_ptr<Scorer> make_gpu_scorer();

/// The one place that chooses where scoring runs: options.device, whether a GPU is usable and
/// whether its scorer covers the model. Appends to notes why the CPU runs where the caller left
/// the choice open or the GPU scorer does not cover the model. Throws DeviceError for device = gpu
/// without a usable GPU.
std::unique_ptr<Scorer> choose_scorer(const FitContext& ctx, const LmmOptions& options, std::vector<std::string>& notes);

}  // namespace flashmm::detail
