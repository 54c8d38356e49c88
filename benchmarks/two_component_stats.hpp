#pragma once
// Summary statistics of a large two-component study for the GPU benchmark: 20,000 genes,
// q = 990 samples + 10 batches (crossed), p = 3 (intercept, a covariate, a treatment of half the
// samples), 50,000 cells, normal data with sample, batch and residual variances 0.3, 0.1 and 1.
// Cells come in chunks; within a chunk the genes are generated in parallel, each gene and chunk
// from its own stream, so that the data do not depend on the thread count.
#include <flashmm/summary_stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

namespace flashmm::bench {

constexpr Index kTwoGenes = 20000;
constexpr int kTwoSamples = 990, kTwoBatches = 10;
constexpr Index kTwoCells = 50000;

namespace two_component_detail {
inline std::uint64_t mix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
// A standard normal draw (Box-Muller on two uniforms in (0, 1)).
inline double normal(std::uint64_t& state) {
  const double u1 = (static_cast<double>(mix(state) >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = (static_cast<double>(mix(state) >> 11) + 0.5) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}
}  // namespace two_component_detail

inline const SummaryStats& two_component_stats() {
  static const SummaryStats stats = [] {
    namespace d = two_component_detail;
    const Index p = 3, q = kTwoSamples + kTwoBatches, G = kTwoGenes;
    std::uint64_t design = 77;
    std::vector<int> sample(kTwoCells), batch(kTwoCells);
    std::vector<double> x(kTwoCells);
    for (Index i = 0; i < kTwoCells; ++i) {
      sample[i] = i < kTwoSamples ? static_cast<int>(i) : static_cast<int>(d::mix(design) % kTwoSamples);
      batch[i] = static_cast<int>(d::mix(design) % kTwoBatches);
      x[i] = d::normal(design);
    }
    // Per gene: coefficients and random effects, drawn once.
    std::vector<double> effects(static_cast<std::size_t>(G) * (3 + q));
    for (Index g = 0; g < G; ++g) {
      std::uint64_t s = 1000003ULL * static_cast<std::uint64_t>(g) + 1;
      double* e = effects.data() + g * (3 + q);
      for (int j = 0; j < 3; ++j) e[j] = d::normal(s);
      for (Index a = 0; a < q; ++a) e[3 + a] = (a < kTwoSamples ? std::sqrt(0.3) : std::sqrt(0.1)) * d::normal(s);
    }
    SummaryStats shape = SummaryStats::zeros(p, q, G);
    shape.d = {kTwoSamples, kTwoBatches};
    shape.component_names = {"sample", "batch"};
    SummaryStatsAccumulator acc(std::move(shape), Transform::none);
    const Index chunk = 1000;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (Index c0 = 0; c0 < kTwoCells; c0 += chunk) {
      const Index rows = std::min(chunk, kTwoCells - c0);
      RowMatrixXd X(rows, p);
      std::vector<Eigen::Triplet<double, std::int64_t>> z;
      for (Index r = 0; r < rows; ++r) {
        X(r, 0) = 1;
        X(r, 1) = x[c0 + r];
        X(r, 2) = sample[c0 + r] % 2;
        z.emplace_back(r, sample[c0 + r], 1.0);
        z.emplace_back(r, kTwoSamples + batch[c0 + r], 1.0);
      }
      SparseRowMatrix Z(rows, q);
      Z.setFromTriplets(z.begin(), z.end());
      Eigen::MatrixXd y(rows, G);
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
          for (Index g = t; g < G; g += threads) {
            std::uint64_t s = 0x5eedULL ^ (static_cast<std::uint64_t>(g) << 20) ^ static_cast<std::uint64_t>(c0);
            const double* e = effects.data() + g * (3 + q);
            for (Index r = 0; r < rows; ++r)
              y(r, g) = e[0] + e[1] * X(r, 1) + e[2] * X(r, 2) + e[3 + sample[c0 + r]] +
                        e[3 + kTwoSamples + batch[c0 + r]] + d::normal(s);
          }
        });
      for (auto& th : pool) th.join();
      acc.add(X, Z, y);
    }
    return acc.release();
  }();
  return stats;
}

}  // namespace flashmm::bench
