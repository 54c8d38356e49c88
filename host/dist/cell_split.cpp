#include "dist/cell_split.hpp"

#include <algorithm>

namespace flashmm::dist {

CellShare share_cells(Index begin, Index end, int rank, int ranks, Index block) {
  if (end <= begin || ranks <= 1) return {begin, std::max(begin, end)};
  const Index first = begin / block, last = (end - 1) / block, blocks = last - first + 1;
  const Index b0 = first + blocks * rank / ranks, b1 = first + blocks * (rank + 1) / ranks;
  return {std::clamp(b0 * block, begin, end), std::clamp(b1 * block, begin, end)};
}

}  // namespace flashmm::dist
