#pragma once
// Internal: the device seam of the fit pipeline. A scorer runs FLASHMM's plain Fisher scoring
// (ALGORITHM.md section 3, the final residual re-estimate included) for a batch of genes in
// lockstep and writes theta, dl, F, log|det M0|, niter and a finite flag per gene; it may also run
// the safeguarded optimizer where plain scoring failed (runs_safeguard) and it runs the
// fixed-effects step (fixed_effects; by default the host's). The pipeline (fit/pipeline.hpp) calls
// them in that order, with the host's safeguarded pass between the two where the scorer does not
// run it: no step calls back into another. The CPU scorer runs it all on the host; the batched
// scorer (fit/batched_general.hpp) runs it on the GPU, or on its CPU emulation in the tests.
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
/// GeneralPath::score_plain. (The device's own drivers run on the CPU emulation of the device in
/// the tests: make_emulated_device_scorer, fit/batched_general.hpp.)
std::unique_ptr<Scorer> make_cpu_scorer();

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
