#include "support/simulated_stats.hpp"

#include <cmath>
#include <random>
#include <string>

namespace flashmm::testing {

SummaryStats simulated_stats(const SimulatedDesign& design) {
  std::mt19937_64 rng(design.seed);
  std::normal_distribution<double> normal;
  const int k = static_cast<int>(design.levels.size());
  const int types = design.cell_types;
  const Index p = 1 + 2 * types, n = design.cells, G = design.genes;
  Index q = 0;
  std::vector<Index> offset;
  for (int d : design.levels) {
    offset.push_back(q);
    q += d;
  }
  std::vector<std::vector<int>> level(static_cast<std::size_t>(k), std::vector<int>(static_cast<std::size_t>(n)));
  std::vector<int> type(static_cast<std::size_t>(n));
  RowMatrixXd X = RowMatrixXd::Zero(n, p);
  std::vector<Eigen::Triplet<double, std::int64_t>> z;
  std::uniform_int_distribution<int> type_of(0, types - 1);
  for (Index i = 0; i < n; ++i) {
    const auto is = static_cast<std::size_t>(i);
    for (int c = 0; c < k; ++c) {
      std::uniform_int_distribution<int> level_of(0, design.levels[static_cast<std::size_t>(c)] - 1);
      // Every level gets cells: the first cells go round the levels.
      level[static_cast<std::size_t>(c)][is] =
          i < design.levels[static_cast<std::size_t>(c)] ? static_cast<int>(i) : level_of(rng);
      const int l = level[static_cast<std::size_t>(c)][is];
      z.emplace_back(i, offset[static_cast<std::size_t>(c)] + l, 1.0);
      if (c == design.crossed)
        z.emplace_back(i, offset[static_cast<std::size_t>(c)] + (l + 1) % design.levels[static_cast<std::size_t>(c)], 0.5);
    }
    type[is] = i < types ? static_cast<int>(i) : type_of(rng);
    const bool treated = level[0][is] % 2 == 1;
    X(i, 0) = 7.6 + 0.5 * normal(rng);  // log library size, as in real data (sd 0.5)
    X(i, 1 + type[is]) = 1;
    if (treated) X(i, 1 + types + type[is]) = 1;
  }
  SparseRowMatrix Z(n, q);
  Z.setFromTriplets(z.begin(), z.end());

  Eigen::MatrixXd y(n, G);
  for (Index g = 0; g < G; ++g) {
    std::mt19937_64 grng(design.seed * 1000003 + static_cast<std::uint64_t>(g));
    std::vector<Eigen::VectorXd> effect;
    for (int c = 0; c < k; ++c) {
      // Variances from 0 (every fourth gene's last component) to about 1.
      const double sd = (g % 4 == 3 && c == k - 1) ? 0.0 : 0.2 + 0.8 * std::abs(std::sin(1.0 + g + 3.0 * c));
      Eigen::VectorXd e(design.levels[static_cast<std::size_t>(c)]);
      for (auto& v : e) v = sd * normal(grng);
      effect.push_back(e);
    }
    Eigen::VectorXd type_effect(types);
    for (auto& v : type_effect) v = normal(grng);
    for (Index i = 0; i < n; ++i) {
      double v = type_effect(type[static_cast<std::size_t>(i)]) + normal(grng);
      for (int c = 0; c < k; ++c) v += effect[static_cast<std::size_t>(c)](level[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)]);
      y(i, g) = v;
    }
  }
  SummaryStats shape = SummaryStats::zeros(p, q, G);
  shape.d = design.levels;
  shape.component_names.clear();
  for (int c = 0; c < k; ++c) shape.component_names.push_back("c" + std::to_string(c + 1));
  SummaryStatsAccumulator acc(std::move(shape), Transform::none, 1);
  acc.add(X, Z, y);
  return acc.release();
}

}  // namespace flashmm::testing
