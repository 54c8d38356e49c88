// Time of the simulator, the tool behind every end-to-end benchmark.
//   bench_simulate --benchmark_filter=Simulate/2000/100000
// Arguments: genes, cells (all hardware threads, default sparsity ~10% nonzero).
#include <flashmm/simulate.hpp>

#include <benchmark/benchmark.h>

namespace {

// simulate() of genes x cells at the given expected nonzero fraction.
void run_simulate(benchmark::State& state, double nonzero_fraction) {
  flashmm::SimulationOptions o;
  o.genes = state.range(0);
  o.cells = state.range(1);
  o.nonzero_fraction = nonzero_fraction;
  std::size_t nnz = 0;
  for (auto _ : state) {
    const auto sim = flashmm::simulate(o);
    nnz = sim.counts.size();
    benchmark::DoNotOptimize(sim.counts.data());
  }
  state.counters["nnz"] = static_cast<double>(nnz);
  state.counters["nonzero_fraction"] =
      static_cast<double>(nnz) / (static_cast<double>(o.genes) * static_cast<double>(o.cells));
  state.counters["cells_per_s"] = benchmark::Counter(
      static_cast<double>(o.cells), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Simulate(benchmark::State& state) { run_simulate(state, flashmm::SimulationOptions{}.nonzero_fraction); }
BENCHMARK(BM_Simulate)->Args({2000, 100000})->Unit(benchmark::kMillisecond)->UseRealTime();

// The shape of the large benchmark set (11,596 genes at ~8% nonzero), on fewer cells.
void BM_SimulateSparse(benchmark::State& state) { run_simulate(state, 0.08); }
BENCHMARK(BM_SimulateSparse)->Args({11596, 50000})->Unit(benchmark::kMillisecond)->UseRealTime();

// Streaming with a sink that only touches the data: the chunked path's own cost.
void BM_SimulateChunks(benchmark::State& state) {
  flashmm::SimulationOptions o;
  o.genes = state.range(0);
  o.cells = state.range(1);
  for (auto _ : state) {
    std::size_t nnz = 0;
    flashmm::simulate_chunks(o, 50000, [&](const flashmm::SimulationChunk& c) { nnz += c.counts.size(); });
    benchmark::DoNotOptimize(nnz);
  }
}
BENCHMARK(BM_SimulateChunks)->Args({2000, 100000})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
