#pragma once
// Summary statistics as a file (flashmm sumstats / merge / fit): an HDF5 file holding the
// statistics, their exact sums (so that merging is exact), how they were made (transform,
// formulas) and which cells of which input they cover, so that shards of cells computed apart
// can be checked for compatibility and overlap and merged exactly.
#include <flashmm/summary_stats.hpp>

#include <string>
#include <vector>

namespace flashmm::io {

/// A range of cells of one input that statistics cover.
struct CellSpan {
  std::string input;     ///< the input as it was given (for messages)
  std::string identity;  ///< what identifies the input's content (input_identity)
  Index input_cells = 0; ///< cells in the whole input
  Index begin = 0;       ///< first cell covered (0-based)
  Index end = 0;         ///< one past the last cell covered
};

/// How the statistics were made; shards merge only when these agree, and when no two of their
/// spans of the same input overlap.
struct StatsProvenance {
  std::string transform;                  ///< "log2p1" or "none"
  std::string fixed_formula;
  std::vector<std::string> random_formulas;
  std::string subset;                     ///< the --subset condition on the cells ("": every cell)
  std::string matrix;                     ///< which matrix of the input: "X", "layers/NAME", "raw/X" ("": not recorded)
  std::vector<CellSpan> cells;            ///< the cells covered, by input (empty: unknown)
};

/// The identity of an input's content: a digest (CRC-32) of its cell ids and one of its gene
/// names, with their counts. Two copies of a file have the same identity.
std::string input_identity(const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_names);

/// Adds b's spans to a's; InputError naming both inputs' ranges (1-based) when a span of b
/// overlaps one of a of the same identity, or when the inputs differ in size.
void add_cell_spans(std::vector<CellSpan>& a, const std::vector<CellSpan>& b);

/// Writes through a temporary name renamed at the end: a failed write leaves no file.
/// Layout (format version 2): attributes format="flashmm-summary-stats", version=2, n,
/// transform, fixed_formula, random_formulas, subset, matrix, cell_block; datasets XX (p x p), XY (p x G), ZX
/// (q x p), ZY (q x G), ZZ (q x q), Ynorm (G x 1), Ysum (G x 1), nnz (G, int64), d (k),
/// fixed_names, random_names, component_names, gene_names; exact_limbs (N x 4 int64) and
/// exact_top (N int16), the exact sums of XX, XY, ZX, ZY, ZZ, Ynorm, Ysum (SummaryStats::exact;
/// absent when the statistics have none); cells_input, cells_identity (strings) and cells_range
/// (m x 3 int64: input cells, begin, end) for the spans. Matrices are 2-D, row-major.
/// The compressed arrays are compressed on `threads` threads (0: all); the bytes do not depend on it.
void write_summary_stats(const std::string& path, const SummaryStats& stats, const StatsProvenance& provenance,
                         int threads = 0);

/// Reads a file written by write_summary_stats; IoError naming the file when it is not one, or
/// is of format version 1 (without Ysum, nnz and exact sums: it must be made again).
SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance = nullptr);

}  // namespace flashmm::io
