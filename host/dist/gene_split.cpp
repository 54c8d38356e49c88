#include "dist/gene_split.hpp"

namespace flashmm::dist {

std::vector<int> share_genes(const std::vector<std::uint8_t>& fitted, int ranks) {
  std::vector<int> owner(fitted.size(), 0);
  if (ranks <= 1) return owner;
  std::int64_t total = 0;
  for (auto f : fitted) total += f != 0;
  // Gene g goes to the rank whose share holds the cost before it: rank = floor(before * ranks / total).
  std::int64_t before = 0;
  for (std::size_t g = 0; g < fitted.size(); ++g) {
    owner[g] = total == 0 ? 0 : static_cast<int>(std::min<std::int64_t>(before * ranks / total, ranks - 1));
    before += fitted[g] != 0;
  }
  return owner;
}

std::vector<std::uint8_t> skip_others(const std::vector<std::uint8_t>& skip, const std::vector<int>& owner, int rank) {
  std::vector<std::uint8_t> out(owner.size(), 0);
  for (std::size_t g = 0; g < owner.size(); ++g)
    out[g] = static_cast<std::uint8_t>((!skip.empty() && skip[g]) || owner[g] != rank);
  return out;
}

}  // namespace flashmm::dist
