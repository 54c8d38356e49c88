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

#include <cmath>
#include <random>

namespace {

using flashmm::Index;

constexpr Index kGenes = 11596;
constexpr int kSamples = 259;
constexpr int kCellTypes = 29;
constexpr Index kCells = 40000;

const flashmm::SummaryStats& atlas_stats() {
  static const flashmm::SummaryStats stats = [] {
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> normal;
    std::uniform_int_distribution<int> sample_of(0, kSamples - 1), type_of(0, kCellTypes - 1);
    const Index p = 1 + 2 * kCellTypes;
    flashmm::RowMatrixXd X = flashmm::RowMatrixXd::Zero(kCells, p);
    std::vector<Eigen::Triplet<double, std::int64_t>> z;
    std::vector<int> sample(kCells), type(kCells);
    for (Index i = 0; i < kCells; ++i) {
      sample[i] = sample_of(rng);
      type[i] = type_of(rng);
      const bool treated = sample[i] % 2 == 1;  // samples nested in treatment
      X(i, 0) = std::log(2000.0 + 500.0 * std::abs(normal(rng)));
      X(i, 1 + type[i]) = 1;
      if (treated) X(i, 1 + kCellTypes + type[i]) = 1;
      z.emplace_back(i, sample[i], 1.0);
    }
    flashmm::SparseRowMatrix Z(kCells, kSamples);
    Z.setFromTriplets(z.begin(), z.end());

    flashmm::SummaryStats shape = flashmm::SummaryStats::zeros(p, kSamples, kGenes);
    flashmm::SummaryStatsAccumulator acc(std::move(shape), flashmm::Transform::none);
    Eigen::VectorXd sample_effect(kSamples), type_effect(kCellTypes);
    const Index chunk = 2000;
    for (Index c0 = 0; c0 < kCells; c0 += chunk) {
      const Index rows = std::min(chunk, kCells - c0);
      Eigen::MatrixXd y(rows, kGenes);
      for (Index g = 0; g < kGenes; ++g) {
        std::mt19937_64 grng(static_cast<std::uint64_t>(g) * 7919 + 17);  // per gene, the same in every chunk
        for (auto& v : sample_effect) v = 0.3 * normal(grng);
        for (auto& v : type_effect) v = normal(grng);
        std::mt19937_64 crng(static_cast<std::uint64_t>(g) * 104729 + static_cast<std::uint64_t>(c0));
        for (Index i = 0; i < rows; ++i)
          y(i, g) = type_effect[type[c0 + i]] + sample_effect[sample[c0 + i]] + normal(crng);
      }
      acc.add(flashmm::RowMatrixXd(X.middleRows(c0, rows)), flashmm::SparseRowMatrix(Z.middleRows(c0, rows)), y);
    }
    return acc.release();
  }();
  return stats;
}

flashmm::SummaryStats first_genes(const flashmm::SummaryStats& s, Index genes) {
  flashmm::SummaryStats out = s;
  out.XY = s.XY.leftCols(genes);
  out.ZY = s.ZY.leftCols(genes);
  out.Ynorm = s.Ynorm.head(genes);
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
