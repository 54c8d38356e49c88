// The fit stage (ALGORITHM.md sections 3 and 6, docs/structured_path.md) on a problem shaped like
// the tuberculosis atlas FLASHMM was shown on: 11,596 genes, 259 samples as the random component,
// p = 59 (log library size, 29 cell types and cell type x treatment); the two-component problems
// add 8 batches (q = 259 + 8) on the same cells. Summary statistics come from a simulated
// cell-level data set (a normal model with sample, batch and cell-type effects), built once.
//
//   build/bench_fit --benchmark_counters_tabular=true
//
// (BM_FitTwoComponentsLarge alone takes about a minute: --benchmark_filter='-.*Large' skips it.)
//
// Figures: `per_gene` (wall seconds per gene), Time (wall) and CPU (all threads) per fit.
// Arguments: threads, then df (0 residual, 1 Satterthwaite for every coefficient).
#include <flashmm/lmm.hpp>
#include <flashmm/satterthwaite.hpp>
#include <flashmm/summary_stats.hpp>

#include <benchmark/benchmark.h>

#include "atlas_stats.hpp"
#include "drawn_stats.hpp"

namespace {

using flashmm::Index;
using flashmm::bench::atlas_stats;
using flashmm::bench::atlas_stats_two;
using flashmm::bench::first_genes;
using flashmm::bench::kGenes;

// Genes the dense general path is timed on: O(q^3) per iteration.
constexpr Index kGeneralGenes = 24;

void counters(benchmark::State& state, const flashmm::SummaryStats& stats, Index converged) {
  state.counters["genes"] = static_cast<double>(stats.genes());
  state.counters["converged"] = static_cast<double>(converged);
  state.counters["q"] = static_cast<double>(stats.q());
  state.counters["p"] = static_cast<double>(stats.p());
  state.counters["per_gene"] = benchmark::Counter(static_cast<double>(stats.genes()),
                                                  benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void run_fit(benchmark::State& state, const flashmm::SummaryStats& stats, flashmm::FitPath path) {
  flashmm::LmmOptions opt;
  opt.path = path;
  opt.threads = static_cast<int>(state.range(0));
  opt.df = state.range(1) == 1 ? flashmm::DfMethod::satterthwaite : flashmm::DfMethod::residual;
  Index converged = 0;
  for (auto _ : state) {
    const flashmm::LmmFit fit = flashmm::fit_lmm(stats, opt);
    converged = 0;
    for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
    benchmark::DoNotOptimize(fit.coef.data());
  }
  counters(state, stats, converged);
}

// Satterthwaite df of every coefficient on a finished fit, alone (one thread).
void run_satterthwaite(benchmark::State& state, const flashmm::SummaryStats& stats, flashmm::FitPath path) {
  flashmm::LmmOptions opt;
  opt.path = path;
  opt.threads = 1;
  const flashmm::LmmFit fit = flashmm::fit_lmm(stats, opt);
  const Eigen::MatrixXd L = Eigen::MatrixXd::Identity(fit.n_fixed(), fit.n_fixed());
  Index converged = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
  for (auto _ : state) {
    const Eigen::MatrixXd df = flashmm::satterthwaite_df(fit, L, 1);
    benchmark::DoNotOptimize(df.data());
  }
  counters(state, stats, converged);
}

void BM_FitOneComponent(benchmark::State& state) { run_fit(state, atlas_stats(), flashmm::FitPath::spectral); }
void BM_FitTwoComponents(benchmark::State& state) { run_fit(state, atlas_stats_two(), flashmm::FitPath::automatic); }
void BM_FitTwoComponentsGeneral(benchmark::State& state) {
  static const flashmm::SummaryStats stats = first_genes(atlas_stats_two(), kGeneralGenes);
  run_fit(state, stats, flashmm::FitPath::general);
}
void BM_SatterthwaiteOneComponent(benchmark::State& state) {
  run_satterthwaite(state, atlas_stats(), flashmm::FitPath::spectral);
}
void BM_SatterthwaiteTwoComponents(benchmark::State& state) {
  run_satterthwaite(state, atlas_stats_two(), flashmm::FitPath::automatic);
}
void BM_SatterthwaiteTwoComponentsGeneral(benchmark::State& state) {
  static const flashmm::SummaryStats stats = first_genes(atlas_stats_two(), kGeneralGenes);
  run_satterthwaite(state, stats, flashmm::FitPath::general);
}

// Issue 13's large case: 20,000 genes, q = 1,000 samples + 20 batches, p = 59, 100,000 cells
// (statistics drawn from their distribution, drawn_stats.hpp); target under 5 minutes on 2 threads.
const flashmm::SummaryStats& large_stats() {
  static const flashmm::SummaryStats stats = flashmm::bench::drawn_stats({{1000, 20}, 29, 100000, 20000, 7});
  return stats;
}
void BM_FitTwoComponentsLarge(benchmark::State& state) { run_fit(state, large_stats(), flashmm::FitPath::automatic); }
// The dense general path on the first 2 of those genes (O(q^3) per iteration, seconds per gene).
void BM_FitTwoComponentsLargeGeneral(benchmark::State& state) {
  static const flashmm::SummaryStats stats = first_genes(large_stats(), 2);
  run_fit(state, stats, flashmm::FitPath::general);
}

BENCHMARK(BM_FitOneComponent)->Args({1, 0})->Args({2, 0})->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_FitTwoComponents)->Args({1, 0})->Args({2, 0})->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_FitTwoComponentsGeneral)->Args({1, 0})->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SatterthwaiteOneComponent)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SatterthwaiteTwoComponents)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_SatterthwaiteTwoComponentsGeneral)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_FitTwoComponentsLarge)->Args({2, 0})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_FitTwoComponentsLargeGeneral)->Args({1, 0})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime()->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
