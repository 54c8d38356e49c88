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
