// The fit stage (ALGORITHM.md sections 3 and 6) on a problem shaped like the tuberculosis atlas
// FLASHMM was shown on: 11,596 genes, 259 samples as the one random component, p = 59
// (log library size, 29 cell types and cell type x treatment). Summary statistics come from a
// simulated cell-level data set (a normal model with sample and cell-type effects), built once.
//
//   build/bench_fit --benchmark_counters_tabular=true
//
// The figure to read is `per_gene` (seconds per gene, one thread).
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <benchmark/benchmark.h>

#include "atlas_stats.hpp"

#include <cmath>
#include <random>

namespace {

using flashmm::Index;
using flashmm::bench::atlas_stats;
using flashmm::bench::kGenes;
using flashmm::bench::kSamples;

flashmm::SummaryStats first_genes(const flashmm::SummaryStats& s, Index genes) {
  flashmm::SummaryStats out = s;
  out.XY = s.XY.leftCols(genes);
  out.ZY = s.ZY.leftCols(genes);
  out.Ynorm = s.Ynorm.head(genes);
  out.Ysum = s.Ysum.head(genes);
  out.nnz = s.nnz.head(genes);
  out.exact = {};  // the doubles no longer round these
  out.gene_names.resize(static_cast<std::size_t>(genes));
  return out;
}

void run_fit(benchmark::State& state, flashmm::FitPath path, Index genes) {
  const flashmm::SummaryStats stats = first_genes(atlas_stats(), genes);
  flashmm::LmmOptions opt;
  opt.path = path;
  opt.threads = static_cast<int>(state.range(0));
  Index converged = 0;
  for (auto _ : state) {
    const flashmm::LmmFit fit = flashmm::fit_lmm(stats, opt);
    converged = 0;
    for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
    benchmark::DoNotOptimize(fit.coef.data());
  }
  state.counters["genes"] = static_cast<double>(genes);
  state.counters["converged"] = static_cast<double>(converged);
  state.counters["q"] = kSamples;
  state.counters["p"] = static_cast<double>(stats.p());
  state.counters["per_gene"] = benchmark::Counter(static_cast<double>(genes),
                                                  benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_FitOneComponent(benchmark::State& state) { run_fit(state, flashmm::FitPath::spectral, kGenes); }
void BM_FitGeneral(benchmark::State& state) { run_fit(state, flashmm::FitPath::general, 24); }

BENCHMARK(BM_FitOneComponent)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FitGeneral)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
