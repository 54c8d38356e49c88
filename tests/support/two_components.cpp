#include "support/two_components.hpp"

#include <random>
#include <string>
#include <vector>

namespace flashmm::testing {

SummaryStats two_component_stats(Index cells, int q1, int q2, Index genes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> sample_of(0, q1 - 1), batch_of(0, q2 - 1);
  const Index p = 3, q = q1 + q2;
  RowMatrixXd X(cells, p);
  std::vector<Eigen::Triplet<double, std::int64_t>> z;
  std::vector<int> sample(static_cast<std::size_t>(cells)), batch(sample.size());
  for (Index i = 0; i < cells; ++i) {
    const auto is = static_cast<std::size_t>(i);
    // Every sample and batch is seen: the first cells go round them.
    sample[is] = i < q1 ? static_cast<int>(i) : sample_of(rng);
    batch[is] = i < q2 ? static_cast<int>(i) : batch_of(rng);
    X(i, 0) = 1;
    X(i, 1) = normal(rng);
    X(i, 2) = sample[is] % 2;
    z.emplace_back(i, sample[is], 1.0);
    z.emplace_back(i, q1 + batch[is], 1.0);
  }
  SparseRowMatrix Z(cells, q);
  Z.setFromTriplets(z.begin(), z.end());

  Eigen::MatrixXd y(cells, genes);
  for (Index g = 0; g < genes; ++g) {
    std::vector<double> u(static_cast<std::size_t>(q1)), v(static_cast<std::size_t>(q2));
    for (auto& e : u) e = std::sqrt(0.3) * normal(rng);
    const double batch_sd = g % 4 == 3 ? 0.0 : std::sqrt(0.1);
    for (auto& e : v) e = batch_sd * normal(rng);
    const double b0 = normal(rng), b1 = 0.5 * normal(rng), b2 = normal(rng);
    for (Index i = 0; i < cells; ++i) {
      const auto is = static_cast<std::size_t>(i);
      y(i, g) = b0 + b1 * X(i, 1) + b2 * X(i, 2) + u[static_cast<std::size_t>(sample[is])] +
                v[static_cast<std::size_t>(batch[is])] + normal(rng);
    }
  }
  SummaryStats shape = SummaryStats::zeros(p, q, genes);
  shape.d = {q1, q2};
  shape.component_names = {"sample", "batch"};
  shape.fixed_names = {"(Intercept)", "x", "treated"};
  for (Index a = 0; a < q; ++a)
    shape.random_names[static_cast<std::size_t>(a)] = a < q1 ? "sample" + std::to_string(a + 1) : "batch" + std::to_string(a - q1 + 1);
  SummaryStatsAccumulator acc(std::move(shape), Transform::none);
  acc.add(X, Z, y);
  return acc.release();
}

}  // namespace flashmm::testing
