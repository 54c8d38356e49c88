// GPU backend against the CPU on tuberculosis-atlas-sized problems (FLASHMM's showcase):
//
//   summary statistics: 11,596 genes x 500,000 cells, 259 samples, 29 cell types, ~8% nonzero
//     int32 counts (CSR, host memory), p = 59 (log library size, cell type, cell type x
//     treatment), q = 259 (sample); chunks of 50,000 cells through the accumulator, log2(1 + x).
//     Reported: wall time from host memory; bytes moved host -> device (CSR indices + values +
//     offsets + design rows) over time, against the device's peak memory bandwidth (2 x memory
//     clock x bus width from the device; H100 SXM's datasheet figure is 3.35 TB/s) and against
//     a PCIe 5 x16 link's 64 GB/s, which bounds it; the CPU accumulator on the same data, and
//     the ratio CPU / GPU.
//   fit, one component: 11,596 genes, q = 259, p = 59, REML, from summary statistics of a
//     simulated normal model (as bench_fit); GPU (fit_lmm, device gpu) and CPU (fit_lmm, all
//     threads) and the ratio.
//   fit, two components: 20,000 genes, q = 990 samples + 10 batches, p = 3, REML
//     (benchmarks/two_component_stats.hpp); the GPU fits every gene; the CPU, at O(q^3) per
//     iteration, fits the first kCpuTwoGenes genes on all threads (the others skipped), and its
//     time is scaled to all genes for the ratio (cpu_over_gpu = cpu_s_per_gene x genes / gpu_s).
//
//   build/bench_gpu --benchmark_counters_tabular=true
//   FLASHMM_BENCH_CELLS=50000 build/bench_gpu     (a smaller data set, e.g. on a laptop)
//
// Without a usable GPU the GPU benchmarks end with SkipWithError("no usable CUDA device: ...").
#include <flashmm/backend.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <benchmark/benchmark.h>

#include "atlas_stats.hpp"
#include "two_component_stats.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

namespace {

using flashmm::Index;
using flashmm::bench::kCellTypes;
using flashmm::bench::kGenes;
using flashmm::bench::kSamples;

constexpr double kNonzero = 0.08;
constexpr Index kChunkCells = 50000;
constexpr double kPcie5x16 = 64e9;  // bytes/s, one direction

Index cells_wanted() {
  if (const char* env = std::getenv("FLASHMM_BENCH_CELLS")) return std::max<Index>(1000, std::atoll(env));
  return 500000;
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
double uniform01(std::uint64_t& state) { return (static_cast<double>(splitmix64(state) >> 11) + 0.5) * 0x1.0p-53; }

// The whole data set in host memory: cells x genes CSR int32 counts and the design, and the
// chunks as the accumulators take them (views into the CSR, design rows copied per chunk).
struct AtlasCells {
  Index cells = 0;
  std::vector<std::int64_t> indptr;
  std::vector<std::int32_t> indices;
  std::vector<std::int32_t> counts;
  struct Chunk {
    flashmm::RowMatrixXd X;
    flashmm::SparseRowMatrix Z;
    std::vector<std::int64_t> indptr;  // rebased to 0
    flashmm::CsrView<std::int32_t> view;
  };
  std::vector<Chunk> chunks;
  double bytes_to_device = 0;  // what the GPU accumulator copies host -> device
  flashmm::SummaryStats shape;
};

const AtlasCells& atlas_cells() {
  static const AtlasCells data = [] {
    AtlasCells d;
    d.cells = cells_wanted();
    const Index p = 1 + 2 * kCellTypes;
    // Cells in blocks generated in parallel, each block from its own stream: the data do not
    // depend on the thread count. Gaps between nonzeros are geometric (probability kNonzero).
    constexpr Index kBlock = 10000;
    const Index blocks = (d.cells + kBlock - 1) / kBlock;
    struct Block {
      std::vector<std::int64_t> row_nnz;
      std::vector<std::int32_t> indices, counts;
    };
    std::vector<Block> parts(static_cast<std::size_t>(blocks));
    const double log_miss = std::log(1.0 - kNonzero);
    auto make = [&](Index b) {
      Block& part = parts[static_cast<std::size_t>(b)];
      std::uint64_t state = 0x5eed0000ULL + static_cast<std::uint64_t>(b);
      for (Index i = b * kBlock; i < std::min(d.cells, (b + 1) * kBlock); ++i) {
        std::int64_t n = 0;
        for (Index g = static_cast<Index>(std::log(uniform01(state)) / log_miss); g < kGenes;
             g += 1 + static_cast<Index>(std::log(uniform01(state)) / log_miss)) {
          part.indices.push_back(static_cast<std::int32_t>(g));
          part.counts.push_back(1 + static_cast<std::int32_t>(splitmix64(state) >> 62));  // 1..4
          ++n;
        }
        part.row_nnz.push_back(n);
      }
    };
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (Index b = t; b < blocks; b += threads) make(b);
      });
    for (auto& th : pool) th.join();
    d.indptr.reserve(static_cast<std::size_t>(d.cells) + 1);
    d.indptr.push_back(0);
    for (auto& part : parts) {
      for (auto n : part.row_nnz) d.indptr.push_back(d.indptr.back() + n);
      d.indices.insert(d.indices.end(), part.indices.begin(), part.indices.end());
      d.counts.insert(d.counts.end(), part.counts.begin(), part.counts.end());
      part = Block{};
    }

    // Design: log library size, cell type, cell type x treatment (odd samples treated); sample.
    std::vector<int> sample(static_cast<std::size_t>(d.cells)), type(static_cast<std::size_t>(d.cells));
    std::uint64_t state = 2024;
    for (Index i = 0; i < d.cells; ++i) {
      sample[static_cast<std::size_t>(i)] = static_cast<int>(splitmix64(state) % kSamples);
      type[static_cast<std::size_t>(i)] = static_cast<int>(splitmix64(state) % kCellTypes);
    }
    // Each chunk's view points into its own indptr: no reallocation (which may copy) after that.
    d.chunks.reserve(static_cast<std::size_t>((d.cells + kChunkCells - 1) / kChunkCells));
    for (Index c0 = 0; c0 < d.cells; c0 += kChunkCells) {
      const Index rows = std::min(kChunkCells, d.cells - c0);
      AtlasCells::Chunk ch;
      ch.X = flashmm::RowMatrixXd::Zero(rows, p);
      std::vector<Eigen::Triplet<double, std::int64_t>> z;
      for (Index r = 0; r < rows; ++r) {
        const auto i = static_cast<std::size_t>(c0 + r);
        double libsize = 0;
        for (auto e = d.indptr[i]; e < d.indptr[i + 1]; ++e) libsize += d.counts[static_cast<std::size_t>(e)];
        ch.X(r, 0) = std::log(1.0 + libsize);
        ch.X(r, 1 + type[i]) = 1;
        if (sample[i] % 2 == 1) ch.X(r, 1 + kCellTypes + type[i]) = 1;
        z.emplace_back(r, sample[i], 1.0);
      }
      ch.Z = flashmm::SparseRowMatrix(rows, kSamples);
      ch.Z.setFromTriplets(z.begin(), z.end());
      d.chunks.push_back(std::move(ch));
      AtlasCells::Chunk& back = d.chunks.back();
      back.view = flashmm::csr_rows<std::int32_t>(d.indptr, d.indices, d.counts, kGenes, c0, c0 + rows, back.indptr);
      const auto nnz = static_cast<double>(back.view.values.size());
      const double x_nnz = static_cast<double>((back.X.array() != 0).count());
      d.bytes_to_device += nnz * 8.0 + static_cast<double>(rows + 1) * 8.0 +
                           (x_nnz + static_cast<double>(rows)) * 12.0 + 2.0 * static_cast<double>(rows + 1) * 4.0;
    }
    d.shape = flashmm::SummaryStats::zeros(p, kSamples, kGenes);
    return d;
  }();
  return data;
}

double g_gpu_stats_seconds = 0;
double g_gpu_fit_seconds = 0;
double g_gpu_two_seconds = 0;
constexpr Index kCpuTwoGenes = 64;

template <class Acc>
flashmm::SummaryStats accumulate_atlas(Acc acc) {
  for (const auto& ch : atlas_cells().chunks) acc.add(ch.X, ch.Z, ch.view);
  return acc.release();
}

// Ends the benchmark with SkipWithError when no CUDA device is usable; true when it did.
bool skip_without_gpu(benchmark::State& state) {
  std::string why;
  if (flashmm::gpu_available(&why)) return false;
  state.SkipWithError(("no usable CUDA device: " + why).c_str());
  return true;
}

// Runs body once per benchmark iteration and returns its mean wall time in seconds.
template <class Body>
double mean_seconds(benchmark::State& state, Body&& body) {
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return seconds / static_cast<double>(state.iterations());
}

void BM_SummaryStatsGpu(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const AtlasCells& d = atlas_cells();
  flashmm::GpuProperties props;
  flashmm::gpu_properties(&props);
  accumulate_atlas(flashmm::GpuSummaryStatsAccumulator(d.shape, flashmm::Transform::log2p1));  // warm-up
  const double seconds = mean_seconds(state, [&] {
    const flashmm::SummaryStats s = accumulate_atlas(flashmm::GpuSummaryStatsAccumulator(d.shape, flashmm::Transform::log2p1));
    benchmark::DoNotOptimize(s.XY.data());
  });
  g_gpu_stats_seconds = seconds;
  const double nnz = static_cast<double>(d.counts.size());
  state.counters["cells"] = static_cast<double>(d.cells);
  state.counters["nonzero_frac"] = nnz / (static_cast<double>(d.cells) * kGenes);
  state.counters["GB_to_device"] = d.bytes_to_device / 1e9;
  state.counters["GBps"] = d.bytes_to_device / seconds / 1e9;
  state.counters["of_pcie5"] = d.bytes_to_device / seconds / kPcie5x16;
  state.counters["peak_GBps"] = props.peak_bandwidth / 1e9;
  state.counters["of_peak"] = d.bytes_to_device / seconds / props.peak_bandwidth;
  state.counters["ns_per_nnz"] = seconds / nnz * 1e9;
  state.SetLabel(props.name);
}

void BM_SummaryStatsCpu(benchmark::State& state) {
  const AtlasCells& d = atlas_cells();
  const double seconds = mean_seconds(state, [&] {
    const flashmm::SummaryStats s = accumulate_atlas(flashmm::SummaryStatsAccumulator(d.shape, flashmm::Transform::log2p1));
    benchmark::DoNotOptimize(s.XY.data());
  });
  const double nnz = static_cast<double>(d.counts.size());
  state.counters["cells"] = static_cast<double>(d.cells);
  state.counters["ns_per_nnz"] = seconds / nnz * 1e9;
  state.counters["threads"] = std::thread::hardware_concurrency();
  if (g_gpu_stats_seconds > 0) state.counters["cpu_over_gpu"] = seconds / g_gpu_stats_seconds;
}

// The fit benchmarks' shared problem (benchmarks/atlas_stats.hpp).
const flashmm::SummaryStats& fit_stats() { return flashmm::bench::atlas_stats(); }

void fit_counters(benchmark::State& state, const flashmm::LmmFit& fit) {
  Index converged = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
  state.counters["genes"] = static_cast<double>(fit.n_genes());
  state.counters["converged"] = static_cast<double>(converged);
  state.counters["q"] = kSamples;
  state.counters["p"] = static_cast<double>(fit.n_fixed());
}

void BM_FitGpu(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const flashmm::SummaryStats& stats = fit_stats();
  // Warm-up: the CUDA context and the kernels' first load. Each GPU fit creates its own
  // cuda::Resources (stream, cuBLAS handle; kernels/fit/spectral_scorer.cpp), so their creation is
  // part of every timed call.
  flashmm::LmmOptions gpu;
  gpu.device = flashmm::Device::gpu;
  flashmm::LmmFit fit = flashmm::fit_lmm(stats, gpu);
  g_gpu_fit_seconds = mean_seconds(state, [&] {
    fit = flashmm::fit_lmm(stats, gpu);
    benchmark::DoNotOptimize(fit.coef.data());
  });
  fit_counters(state, fit);
}

void BM_FitCpu(benchmark::State& state) {
  const flashmm::SummaryStats& stats = fit_stats();
  flashmm::LmmFit fit;
  const double seconds = mean_seconds(state, [&] {
    fit = flashmm::fit_lmm(stats);
    benchmark::DoNotOptimize(fit.coef.data());
  });
  fit_counters(state, fit);
  if (g_gpu_fit_seconds > 0) state.counters["cpu_over_gpu"] = seconds / g_gpu_fit_seconds;
}

void BM_FitTwoComponentsGpu(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const flashmm::SummaryStats& stats = flashmm::bench::two_component_stats();
  flashmm::LmmOptions gpu;
  gpu.device = flashmm::Device::gpu;
  {  // warm-up on a few genes: the CUDA context, cuBLAS, the kernels' first load
    flashmm::LmmOptions few = gpu;
    few.skip_genes.assign(static_cast<std::size_t>(stats.genes()), 1);
    std::fill_n(few.skip_genes.begin(), 16, 0);
    benchmark::DoNotOptimize(flashmm::fit_lmm(stats, few).coef.data());
  }
  flashmm::LmmFit fit;
  g_gpu_two_seconds = mean_seconds(state, [&] {
    fit = flashmm::fit_lmm(stats, gpu);
    benchmark::DoNotOptimize(fit.coef.data());
  });
  fit_counters(state, fit);
  state.counters["q"] = static_cast<double>(stats.q());
  state.counters["s_per_gene"] = g_gpu_two_seconds / static_cast<double>(stats.genes());
}

void BM_FitTwoComponentsCpu(benchmark::State& state) {
  // Hours on a few cores for all genes: only beside a GPU run, on the first kCpuTwoGenes genes.
  if (g_gpu_two_seconds <= 0) {
    state.SkipWithError("runs only after BM_FitTwoComponentsGpu, for its ratio");
    return;
  }
  const flashmm::SummaryStats& stats = flashmm::bench::two_component_stats();
  flashmm::LmmOptions cpu;
  cpu.skip_genes.assign(static_cast<std::size_t>(stats.genes()), 1);
  std::fill_n(cpu.skip_genes.begin(), kCpuTwoGenes, 0);
  flashmm::LmmFit fit;
  const double seconds = mean_seconds(state, [&] {
    fit = flashmm::fit_lmm(stats, cpu);
    benchmark::DoNotOptimize(fit.coef.data());
  });
  const double per_gene = seconds / static_cast<double>(kCpuTwoGenes);
  state.counters["genes_timed"] = static_cast<double>(kCpuTwoGenes);
  state.counters["s_per_gene"] = per_gene;
  state.counters["threads"] = std::thread::hardware_concurrency();
  state.counters["cpu_over_gpu"] = per_gene * static_cast<double>(stats.genes()) / g_gpu_two_seconds;
}

// GPU first: the CPU benchmarks report their ratio to it.
BENCHMARK(BM_SummaryStatsGpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SummaryStatsCpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_FitGpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_FitCpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_FitTwoComponentsGpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_FitTwoComponentsCpu)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
