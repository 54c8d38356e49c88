#pragma once
// Which cells each rank streams: contiguous ranges cut at multiples of the accumulation block
// (kCellBlock cells of the input), so that the ranks' partial statistics add up to the bits of
// one pass over all cells (summary_stats.hpp, "Determinism").
#include <flashmm/types.hpp>

namespace flashmm::dist {

struct CellShare {
  Index begin = 0, end = 0;  ///< cells [begin, end) of the input; empty when begin == end
};

/// Rank `rank` of `ranks`' share of the cells [begin, end): the blocks of `block` cells (by the
/// input's cell numbers) that the range touches, split as evenly as whole blocks allow, in rank
/// order; the shares are disjoint and cover [begin, end). A rank gets no cells when there are
/// fewer blocks than ranks.
CellShare share_cells(Index begin, Index end, int rank, int ranks, Index block);

}  // namespace flashmm::dist
