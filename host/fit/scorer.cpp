// The choice of scorer (fit/scorer.hpp): the one place that decides where Fisher scoring runs.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "fit/batched_general.hpp"
#include "fit/scorer.hpp"
#include "util/cuda_plugin.hpp"

namespace flashmm::detail {

bool gpu_scorer_covers(const FitContext& ctx, std::string* why_not) {
  if (ctx.spectral() != nullptr) return true;
  return batched_covers(ctx, why_not);
}

std::unique_ptr<Scorer> choose_scorer(const FitContext& ctx, const LmmOptions& options,
                                      std::vector<std::string>& notes) {
  std::string note;
  if (!use_gpu(options.device, &note)) {
    if (!note.empty()) notes.push_back(note);
    return make_cpu_scorer();
  }
  std::string why;
  if (!gpu_scorer_covers(ctx, &why)) {
    notes.push_back("Fisher scoring ran on the CPU: " + why);
    return make_cpu_scorer();
  }
  return make_gpu_scorer();
}

std::unique_ptr<Scorer> make_gpu_scorer() {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU fit needs a usable CUDA device: " + why);
  return cuda_plugin()->make_scorer();
}

}  // namespace flashmm::detail
