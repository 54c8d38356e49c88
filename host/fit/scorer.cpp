// The choice of scorer (fit/scorer.hpp): the one place that decides where Fisher scoring runs.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "fit/batched_general.hpp"
#include "fit/scorer.hpp"
#include "util/cuda_plugin.hpp"

#include "util/parallel.hpp"

namespace flashmm::detail {

VarianceEstimate estimate_of(const ScoringArrays& a, Index g) {
  const int k1 = a.k1;
  VarianceEstimate ve;
  ve.theta = Eigen::Map<const Eigen::VectorXd>(a.theta + g * k1, k1);
  ve.dl = Eigen::Map<const Eigen::VectorXd>(a.dl + g * k1, k1);
  ve.F = Eigen::Map<const Eigen::MatrixXd>(a.F + g * k1 * k1, k1, k1);
  ve.logdet_m0 = a.logdet[g];
  ve.niter = a.niter[g];
  ve.finite = a.finite[g] != 0;
  if (a.stop != nullptr) ve.stop_reason = static_cast<GeneStatus>(a.stop[g]);
  if (a.fallback != nullptr) ve.fallback = a.fallback[g] != 0;
  return ve;
}

void store_estimate(const ScoringArrays& a, Index g, const VarianceEstimate& ve) {
  const int k1 = a.k1;
  Eigen::Map<Eigen::VectorXd>(a.theta + g * k1, k1) = ve.theta;
  Eigen::Map<Eigen::VectorXd>(a.dl + g * k1, k1) = ve.dl;
  Eigen::Map<Eigen::MatrixXd>(a.F + g * k1 * k1, k1, k1) = ve.F;
  a.logdet[g] = ve.logdet_m0;
  a.niter[g] = ve.niter;
  a.finite[g] = ve.finite ? 1 : 0;
  if (a.stop != nullptr) a.stop[g] = static_cast<unsigned char>(ve.stop_reason);
  if (a.fallback != nullptr) a.fallback[g] = ve.fallback ? 1 : 0;
}

bool Scorer::runs_safeguard(const FitContext&, const LmmOptions&) const { return false; }

void Scorer::fixed_effects(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                           const ScoringArrays& est, LmmFit& fit, ProgressReport& progress) {
  const GenePath& path = ctx.path();
  parallel_for_blocks(ctx.prepared().genes, options.threads, ctx.prepared().k == 1 ? 16 : 1, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g)
      if (in.active[g]) path.fixed_effects(g, estimate_of(est, g), options, fit);
    progress.add(g1 - g0);
  });
}

bool gpu_scorer_covers(const FitContext& ctx, std::string* why_not) {
  if (!batched_covers(ctx, why_not)) return false;
  GpuProperties props;
  if (!gpu_properties(&props)) return true;  // no device to measure: make_gpu_scorer says why
  const std::size_t need = batched_min_bytes(ctx);
  if (need > props.memory_bytes / 10 * 9) {
    if (why_not != nullptr)
      *why_not = "the GPU fit of this model needs at least " + std::to_string(need >> 20) + " MiB of device memory (q = " +
                 std::to_string(ctx.prepared().q) + ", " + std::to_string(ctx.prepared().genes) + " genes) and " +
                 props.name + " has " + std::to_string(props.memory_bytes >> 20) + " MiB";
    return false;
  }
  return true;
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
    notes.push_back("the fit ran on the CPU: " + why);
    return make_cpu_scorer();
  }
  // With several components the device scores and runs the fixed-effects step; what the host
  // still does is said once.
  if (ctx.spectral() == nullptr) {
    std::vector<std::string> host;
    if (uses_step_control(options)) host.push_back("the safeguarded optimizer (for the genes where plain scoring fails)");
    if (options.df == DfMethod::satterthwaite) host.push_back("the Satterthwaite degrees of freedom");
    if (!host.empty())
      notes.push_back("with " + std::to_string(ctx.prepared().k) + " random components " + host.front() +
                      (host.size() > 1 ? " and " + host.back() : std::string()) +
                      " ran on the CPU; Fisher scoring and the fixed-effects step ran on the GPU");
  }
  return make_gpu_scorer();
}

std::unique_ptr<Scorer> make_gpu_scorer() {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU fit needs a usable CUDA device: " + why);
  return cuda_plugin()->make_scorer();
}

}  // namespace flashmm::detail
