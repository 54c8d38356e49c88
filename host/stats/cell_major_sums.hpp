#pragma once
// Internal: the accumulation of a cell-major (CSR) chunk into the blocks' partial sums, cell by
// cell as the chunk is stored, without first reordering it to gene-major.
//
// Each sum of a block (gene g's x y for design column j, say) adds its terms in increasing cell
// order, as the gene-major accumulation does (summary_stats.hpp, "Determinism"); only the order
// in which different sums advance differs, so the bits are the same. A block's partial sums are
// held statistic-major (row k of (p + q + 2) x G: XY's row k for k < p, ZY's row k - p, then
// Ynorm and Ysum): a cell's nonzeros, spread over the genes, add to one contiguous strip of G
// doubles per design column it has, which stays in cache (L2 holds all the strips of a block at
// thousands of genes), and the loops over a cell's nonzeros have no branches or indirection
// through the design. The blocks of a chunk are independent sums from zero, so they are filled on
// different threads; where there are fewer blocks than threads, a block's genes are split too.
#include "stats/summary_stats_internal.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace flashmm::detail {

/// Buffers reused from chunk to chunk (allocating and faulting in a block's partial sums for
/// every chunk costs as much as filling them).
struct CellMajorScratch {
  std::vector<std::vector<double>> sums;           // per block of the chunk: (p + q + 2) x G, zero between uses
  std::vector<std::vector<std::int64_t>> nonzeros; // per block of the chunk: G, zero between uses
  std::vector<std::vector<std::int32_t>> genes;    // per thread: a cell's genes
  std::vector<std::vector<double>> values;         // per thread: a cell's transformed values
};

/// Whether a chunk of `entries` stored values is worth the cell-major path: it touches every
/// partial sum of each block it meets once more than the gene-major path (loading and storing
/// the open block's), which only pays when the chunk has many more nonzeros than there are sums.
bool cell_major_pays(const SummaryStats& s, std::size_t entries);

/// Adds the expression part of a checked CSR chunk (check_compressed) to the blocks' partial
/// sums: row r is cell number[r] of block row_block[r] (both increasing), its design rows are
/// xr's and zr's row r. Values are checked (valid_raw) and transformed as the gene-major path
/// does; on a bad value, the first in the chunk's stored order is reported (bad_value) and the
/// statistics are as before the call. Adds the chunk's nonzeros to s.nnz; not n, nor the design
/// part (add_design_products).
template <class T>
void add_cell_major(SummaryStats& s, BlockSums& b, CellMajorScratch& scratch, const CsrView<T>& y,
                    const SparseRows& xr, const SparseRows& zr, std::span<const Index> number,
                    std::span<const Index> row_block, Transform t, int threads);

}  // namespace flashmm::detail
