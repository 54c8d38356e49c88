#pragma once
// Summary statistics of a normal linear mixed model drawn directly from their distribution, for
// fit benchmarks too large to simulate cell by cell (20,000 genes x 100,000 cells would be 2e9
// draws). The design is built from real cells (X: log library size, cell types, cell type x
// treatment; Z: one-hot samples and batches), so XX, ZX and ZZ are exact sums over the cells.
// Per gene, y = X b + Z u + e with e ~ N(0, I):
//   [X Z]' y = C (b; u) + [X Z]' e,   [X Z]' e ~ N(0, C)   (C = [X Z]'[X Z], one Cholesky factor)
//   y'y = |X b + Z u|^2 + 2 (b; u)' [X Z]' e + e'e,  e'e = e'He + chi2(n - rank)  with
//   e'He = ([X Z]'e)' C^+ ([X Z]'e) (H the projection on [X Z]; independent of the chi2 part),
// which is the distribution of the statistics of n cells, in O((p + q)^2) per gene.
#include <flashmm/summary_stats.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace flashmm::bench {

struct DrawnDesign {
  std::vector<int> levels;  ///< levels of each random component (samples first)
  int cell_types = 29;
  Index cells = 100000;
  Index genes = 20000;
  std::uint64_t seed = 7;
};

inline flashmm::SummaryStats drawn_stats(const DrawnDesign& design) {
  std::mt19937_64 rng(design.seed);
  std::normal_distribution<double> normal;
  const int types = design.cell_types;
  const Index p = 1 + 2 * types, n = design.cells, G = design.genes;
  Index q = 0;
  std::vector<Index> offset;
  for (int d : design.levels) {
    offset.push_back(q);
    q += d;
  }
  const Index m = p + q;
  // The design's Gram matrix C = [X Z]'[X Z], summed over cells (each row has 3 + k nonzeros).
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(m, m);
  std::uniform_int_distribution<int> type_of(0, types - 1);
  std::vector<Index> cols;
  std::vector<double> vals;
  for (Index i = 0; i < n; ++i) {
    cols.clear();
    vals.clear();
    std::vector<int> level;
    for (std::size_t c = 0; c < design.levels.size(); ++c) {
      std::uniform_int_distribution<int> level_of(0, design.levels[c] - 1);
      level.push_back(i < design.levels[c] ? static_cast<int>(i) : level_of(rng));
    }
    const int type = i < types ? static_cast<int>(i) : type_of(rng);
    cols.push_back(0);
    vals.push_back(std::log(2000.0 + 500.0 * std::abs(normal(rng))));
    cols.push_back(1 + type);
    vals.push_back(1);
    if (level[0] % 2 == 1) {  // samples nested in treatment
      cols.push_back(1 + types + type);
      vals.push_back(1);
    }
    for (std::size_t c = 0; c < level.size(); ++c) {
      cols.push_back(p + offset[c] + level[c]);
      vals.push_back(1);
    }
    for (std::size_t a = 0; a < cols.size(); ++a)
      for (std::size_t b = 0; b < cols.size(); ++b) C(cols[a], cols[b]) += vals[a] * vals[b];
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C);
  const Eigen::VectorXd lambda = eig.eigenvalues();
  const double cut = 1e-9 * lambda.maxCoeff();
  Index rank = 0;
  Eigen::VectorXd root(m), inv(m);
  for (Index j = 0; j < m; ++j) {
    const bool keep = lambda(j) > cut;
    rank += keep;
    root(j) = keep ? std::sqrt(lambda(j)) : 0.0;
    inv(j) = keep ? 1.0 / lambda(j) : 0.0;
  }
  const Eigen::MatrixXd factor = eig.eigenvectors() * root.asDiagonal();  // factor factor' = C
  const Eigen::MatrixXd& V = eig.eigenvectors();

  flashmm::SummaryStats s = flashmm::SummaryStats::zeros(p, q, G);
  s.n = n;
  s.d = design.levels;
  s.component_names.clear();
  for (std::size_t c = 0; c < design.levels.size(); ++c) s.component_names.push_back(c == 0 ? "sam" : "c" + std::to_string(c + 1));
  s.XX = C.topLeftCorner(p, p);
  s.ZX = C.bottomLeftCorner(q, p);
  s.ZZ = C.bottomRightCorner(q, q);
  std::chi_squared_distribution<double> chi2(static_cast<double>(n - rank));
  // Genes in blocks, the products with C's factors as GEMMs.
  const Index block = 1000;
  Eigen::MatrixXd coef(m, block), zs(m, block);
  for (Index g0 = 0; g0 < G; g0 += block) {
    const Index nb = std::min(block, G - g0);
    coef.setZero();
    for (Index b = 0; b < nb; ++b) {
      const Index g = g0 + b;
      // Effects: log library size, cell types, a treatment effect in a tenth of the genes,
      // sample (sd 0.3) and other components' (sd 0.15) effects.
      coef(0, b) = 0.3 * normal(rng);
      for (int t = 0; t < types; ++t) coef(1 + t, b) = normal(rng);
      if (g % 10 == 0)
        for (int t = 0; t < types; ++t) coef(1 + types + t, b) = 0.5;
      for (std::size_t c = 0; c < design.levels.size(); ++c) {
        const double sd = c == 0 ? 0.3 : 0.15;
        for (int l = 0; l < design.levels[c]; ++l) coef(p + offset[c] + l, b) = sd * normal(rng);
      }
      for (Index j = 0; j < m; ++j) zs(j, b) = normal(rng);
    }
    const Eigen::MatrixXd xe = factor * zs.leftCols(nb);  // [X Z]'e ~ N(0, C)
    const Eigen::MatrixXd cb = C * coef.leftCols(nb);     // [X Z]'(X b + Z u)
    const Eigen::MatrixXd ve = V.transpose() * xe;
    for (Index b = 0; b < nb; ++b) {
      const Index g = g0 + b;
      const Eigen::VectorXd t = cb.col(b) + xe.col(b);
      s.XY.col(g) = t.head(p);
      s.ZY.col(g) = t.tail(q);
      const double ehe = (ve.col(b).array().square() * inv.array()).sum();
      s.Ynorm(g) = coef.col(b).dot(cb.col(b)) + 2 * coef.col(b).dot(xe.col(b)) + ehe + chi2(rng);
    }
  }
  return s;
}

}  // namespace flashmm::bench
