#pragma once
// The ranks' partial summary statistics (each of its own cells) combined into the statistics of
// all cells, on every rank. The totals are exact sums (exact_sums.hpp): their integer digits are
// added by one MPI reduction (any tree MPI chooses: integer addition does not depend on the
// order), n and nnz are integers, so every rank gets the same bits, for any number of ranks, and
// the bits of one process over all cells when the shares are cut at multiples of kCellBlock
// (cell_split.hpp). Communication: one all-reduce of (XX, XY, ZX, ZY, ZZ, Ynorm, Ysum) as 40 bytes
// per total (four 64-bit digits and the window's position), plus G + 1 integers.
#include <flashmm/summary_stats.hpp>

namespace flashmm::dist {

/// Replaces each rank's partial statistics by those of all ranks' cells. Every rank calls it with
/// statistics of the same shape and names (the same design); agrees first (agreement.hpp), so a
/// rank that failed before is met there. Throws InputError when a rank's statistics have no exact
/// sums (they cannot be combined exactly).
void combine_stats(SummaryStats& stats);

}  // namespace flashmm::dist
