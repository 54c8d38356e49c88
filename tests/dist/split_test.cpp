// How an MPI job shares out the work (host/dist): cells in whole accumulation blocks, genes by
// expected cost, and the GPU by node-local rank. Pure functions: no MPI needed.
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "dist/cell_split.hpp"
#include "dist/device_choice.hpp"
#include "dist/gene_split.hpp"

#include <vector>

namespace flashmm::dist {
namespace {

TEST(DistCells, SharesAreDisjointCoverTheRangeAndStartAtBlockBoundaries) {
  for (const auto [begin, end] : {std::pair<Index, Index>{0, 100000}, {0, 4000}, {15000, 95001}, {0, 30000}, {7, 8}}) {
    for (int ranks = 1; ranks <= 7; ++ranks) {
      SCOPED_TRACE(std::to_string(begin) + ":" + std::to_string(end) + " on " + std::to_string(ranks));
      Index next = begin, largest = 0, smallest = end;
      for (int r = 0; r < ranks; ++r) {
        const CellShare s = share_cells(begin, end, r, ranks, kCellBlock);
        EXPECT_EQ(s.begin, next);
        EXPECT_LE(s.begin, s.end);
        // Inner boundaries at multiples of the block: the partials add up to one pass's bits.
        if (s.begin != begin && s.begin != end) {
          EXPECT_EQ(s.begin % kCellBlock, 0);
        }
        next = s.end;
        largest = std::max(largest, s.end - s.begin);
        smallest = std::min(smallest, s.end - s.begin);
      }
      EXPECT_EQ(next, end);
      // As even as whole blocks allow (the range's ends may cut its first and last block).
      if ((end - begin) / kCellBlock >= ranks) EXPECT_LE(largest - smallest, 2 * kCellBlock);
    }
  }
  // 100,000 cells on 3 ranks: blocks 3, 3, 4.
  EXPECT_EQ(share_cells(0, 100000, 0, 3, kCellBlock).end, 30000);
  EXPECT_EQ(share_cells(0, 100000, 1, 3, kCellBlock).end, 60000);
  EXPECT_EQ(share_cells(0, 100000, 2, 3, kCellBlock).begin, 60000);
}

TEST(DistGenes, EveryRankGetsAnEqualShareOfTheFittedGenesInOrder) {
  std::vector<std::uint8_t> fitted(1000, 1);
  for (std::size_t g = 0; g < 300; ++g) fitted[g] = 0;  // e.g. filtered genes at the start cost nothing
  for (int ranks : {1, 2, 3, 7}) {
    const std::vector<int> owner = share_genes(fitted, ranks);
    std::vector<int> count(static_cast<std::size_t>(ranks), 0);
    for (std::size_t g = 0; g < owner.size(); ++g) {
      if (g > 0) EXPECT_GE(owner[g], owner[g - 1]);
      count[static_cast<std::size_t>(owner[g])] += fitted[g];
    }
    for (int c : count) {
      EXPECT_GE(c, 700 / ranks);
      EXPECT_LE(c, 700 / ranks + 1);
    }
  }
  const std::vector<int> owner = share_genes(fitted, 2);
  const std::vector<std::uint8_t> skip(1000, 0);
  const std::vector<std::uint8_t> mine = skip_others(skip, owner, 1);
  for (std::size_t g = 0; g < owner.size(); ++g) EXPECT_EQ(mine[g] != 0, owner[g] != 1);
  // No gene to fit: all with rank 0.
  for (int o : share_genes(std::vector<std::uint8_t>(5, 0), 3)) EXPECT_EQ(o, 0);
}

TEST(DistDevice, TheNodeLocalRankPicksOneOfTheVisibleGpus) {
  EXPECT_EQ(device_for_rank("", 4, 0), "0");
  EXPECT_EQ(device_for_rank("", 4, 5), "1");
  EXPECT_EQ(device_for_rank("", 0, 1), "");         // no GPU: nothing to choose
  EXPECT_EQ(device_for_rank("2,3", 8, 0), "2");     // the launcher's list is kept to
  EXPECT_EQ(device_for_rank("2,3", 8, 3), "3");
  EXPECT_EQ(device_for_rank("GPU-ab12", 8, 1), "GPU-ab12");  // one GPU per rank already
}

}  // namespace
}  // namespace flashmm::dist
