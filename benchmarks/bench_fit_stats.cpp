// The fitting stage of `flashmm de` alone, on summary statistics files written by
// `flashmm sumstats` (the statistics `de` computes before it fits): fit_lmm with de's defaults,
// per file, on 1 and 2 threads. benchmarks/de_vs_flashmm_r.sh runs it on the one- and
// two-component statistics of the same simulated data.
//
//   build/bench_fit_stats --benchmark_counters_tabular=true stats1.h5 stats2.h5 ...
#include <flashmm/io/stats_file.hpp>
#include <flashmm/lmm.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

void fit_file(benchmark::State& state, const std::shared_ptr<const flashmm::SummaryStats>& stats) {
  flashmm::LmmOptions opt;
  opt.threads = static_cast<int>(state.range(0));
  flashmm::Index converged = 0;
  for (auto _ : state) {
    const flashmm::LmmFit fit = flashmm::fit_lmm(*stats, opt);
    converged = 0;
    for (flashmm::Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
    benchmark::DoNotOptimize(fit.coef.data());
  }
  state.counters["genes"] = static_cast<double>(stats->genes());
  state.counters["converged"] = static_cast<double>(converged);
  state.counters["q"] = static_cast<double>(stats->q());
  state.counters["k"] = static_cast<double>(stats->k());
  state.counters["p"] = static_cast<double>(stats->p());
  state.counters["per_gene"] = benchmark::Counter(static_cast<double>(stats->genes()),
                                                  benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    auto stats = std::make_shared<const flashmm::SummaryStats>(flashmm::io::read_summary_stats(path));
    benchmark::RegisterBenchmark(("BM_FitStage/" + std::filesystem::path(path).stem().string()).c_str(),
                                 [stats](benchmark::State& s) { fit_file(s, stats); })
        ->Arg(1)
        ->Arg(2)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
