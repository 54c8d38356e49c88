// Fits a tiny model through the installed headers and library; exits 0 when the fit converges.
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <cstdio>
#include <random>

int main() {
  const flashmm::Index n = 400, samples = 8;
  flashmm::RowMatrixXd X(n, 2);
  flashmm::SparseRowMatrix Z(n, samples);
  std::vector<Eigen::Triplet<double, std::int64_t>> z;
  Eigen::MatrixXd y(n, 3);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<double> effect(samples);
  for (auto& e : effect) e = normal(rng);
  for (flashmm::Index i = 0; i < n; ++i) {
    const flashmm::Index s = i % samples;
    X(i, 0) = 1;
    X(i, 1) = s < samples / 2 ? 0 : 1;
    z.emplace_back(i, s, 1.0);
    for (flashmm::Index g = 0; g < 3; ++g) y(i, g) = effect[s] + normal(rng);
  }
  Z.setFromTriplets(z.begin(), z.end());
  const auto stats = flashmm::compute_summary_stats(X, Z, y, flashmm::Transform::none);
  const auto fit = flashmm::fit_lmm(stats);
  for (flashmm::Index g = 0; g < fit.n_genes(); ++g)
    if (!fit.converged(g)) return 1;
  std::printf("consumer: %lld genes fitted, theta(0,0) = %g\n", static_cast<long long>(fit.n_genes()), fit.theta(0, 0));
  return 0;
}
