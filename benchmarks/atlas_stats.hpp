#pragma once
// Summary statistics shaped like the tuberculosis atlas FLASHMM was shown on (11,596 genes, 259
// samples as the one random component, p = 59: log library size, 29 cell types and cell type x
// treatment), from a simulated 40,000-cell normal data set with sample, batch and cell-type
// effects. atlas_stats_two() adds the 8 sequencing batches (crossed with the samples) as a second
// random component: q = 259 + 8 on the same data. Shared by the fit benchmarks (bench_fit,
// bench_gpu) so that their figures compare.
#include <flashmm/summary_stats.hpp>

#include <cmath>
#include <random>
#include <vector>

namespace flashmm::bench {

using flashmm::Index;

constexpr Index kGenes = 11596;
constexpr int kSamples = 259;
constexpr int kBatches = 8;
constexpr int kCellTypes = 29;
constexpr Index kCells = 40000;

/// Two random components: samples (259) and batches (8).
inline const flashmm::SummaryStats& atlas_stats_two() {
  static const flashmm::SummaryStats stats = [] {
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> normal;
    std::uniform_int_distribution<int> sample_of(0, kSamples - 1), type_of(0, kCellTypes - 1),
        batch_of(0, kBatches - 1);
    const Index p = 1 + 2 * kCellTypes, q = kSamples + kBatches;
    flashmm::RowMatrixXd X = flashmm::RowMatrixXd::Zero(kCells, p);
    std::vector<Eigen::Triplet<double, std::int64_t>> z;
    std::vector<int> sample(kCells), type(kCells), batch(kCells);
    for (Index i = 0; i < kCells; ++i) {
      sample[i] = sample_of(rng);
      type[i] = type_of(rng);
      batch[i] = batch_of(rng);
      const bool treated = sample[i] % 2 == 1;  // samples nested in treatment
      X(i, 0) = std::log(2000.0 + 500.0 * std::abs(normal(rng)));
      X(i, 1 + type[i]) = 1;
      if (treated) X(i, 1 + kCellTypes + type[i]) = 1;
      z.emplace_back(i, sample[i], 1.0);
      z.emplace_back(i, kSamples + batch[i], 1.0);
    }
    flashmm::SparseRowMatrix Z(kCells, q);
    Z.setFromTriplets(z.begin(), z.end());

    flashmm::SummaryStats shape = flashmm::SummaryStats::zeros(p, q, kGenes);
    shape.d = {kSamples, kBatches};
    shape.component_names = {"sam", "batch"};
    flashmm::SummaryStatsAccumulator acc(std::move(shape), flashmm::Transform::none);
    Eigen::VectorXd sample_effect(kSamples), type_effect(kCellTypes), batch_effect(kBatches);
    const Index chunk = 2000;
    for (Index c0 = 0; c0 < kCells; c0 += chunk) {
      const Index rows = std::min(chunk, kCells - c0);
      Eigen::MatrixXd y(rows, kGenes);
      for (Index g = 0; g < kGenes; ++g) {
        std::mt19937_64 grng(static_cast<std::uint64_t>(g) * 7919 + 17);  // per gene, the same in every chunk
        for (auto& v : sample_effect) v = 0.3 * normal(grng);
        for (auto& v : type_effect) v = normal(grng);
        for (auto& v : batch_effect) v = 0.2 * normal(grng);
        std::mt19937_64 crng(static_cast<std::uint64_t>(g) * 104729 + static_cast<std::uint64_t>(c0));
        for (Index i = 0; i < rows; ++i)
          y(i, g) = type_effect[type[c0 + i]] + sample_effect[sample[c0 + i]] + batch_effect[batch[c0 + i]] +
                    normal(crng);
      }
      acc.add(flashmm::RowMatrixXd(X.middleRows(c0, rows)), flashmm::SparseRowMatrix(Z.middleRows(c0, rows)), y);
    }
    return acc.release();
  }();
  return stats;
}

/// One random component (the samples) on the same cells and values.
inline const flashmm::SummaryStats& atlas_stats() {
  static const flashmm::SummaryStats stats = [] {
    flashmm::SummaryStats s = atlas_stats_two();
    s.ZX = s.ZX.topRows(kSamples).eval();
    s.ZY = s.ZY.topRows(kSamples).eval();
    s.ZZ = s.ZZ.topLeftCorner(kSamples, kSamples).eval();
    s.d = {kSamples};
    s.component_names = {"sam"};
    s.random_names.resize(kSamples);
    s.exact = {};  // those of the two components' shape
    return s;
  }();
  return stats;
}

/// The first `genes` genes of s.
inline flashmm::SummaryStats first_genes(const flashmm::SummaryStats& s, Index genes) {
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

}  // namespace flashmm::bench
