#pragma once
// The seam between cell-level data and the fit: streams chunks of cells through a design
// (formula + metadata) into summary statistics. Cells with missing metadata or outside the
// design's subset, which the design drops, are dropped from the expression data too.
#include <flashmm/device.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/progress.hpp>
#include <flashmm/summary_stats.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flashmm {

class GpuSummaryStatsAccumulator;

class CellStreamAccumulator {
 public:
  /// design: built from metadata whose row i describes cell i of the expression data.
  /// The accumulator keeps a reference to design: it must outlive the accumulator.
  /// device: where the expression cross-products are summed (flashmm/backend.hpp: use_gpu);
  /// the results agree to rounding.
  CellStreamAccumulator(const DesignBuilder& design, std::vector<std::string> gene_names, Transform transform,
                        int threads = 0, Device device = Device::cpu);
  ~CellStreamAccumulator();

  /// Cells [first_cell, first_cell + y.rows) as a cells x genes CSR block. Chunks must come in
  /// order and without gaps (first_cell = the number of cells added so far). When the design
  /// reads cell totals from the data (DesignOptions::cell_totals_from_data), they are computed
  /// here from y's values before the transform: libsize the sum of a row, nfeatures its nonzeros.
  template <class T>
  void add(Index first_cell, const CsrView<T>& y);

  /// Passes over the next `cells` cells without adding them (a shard of a larger data set: its
  /// design, levels included, still comes from the whole metadata, so shards merge exactly).
  void skip(Index cells);

  Index cells_seen() const { return next_cell_; }
  /// Notes for the caller to show (which device accumulates and why); the library never prints.
  const std::vector<std::string>& notes() const { return notes_; }
  /// The statistics; throws InputError if fewer cells were added than the design has rows.
  SummaryStats finish();

 private:
  const DesignBuilder& design_;
  SummaryStatsAccumulator acc_;
  std::unique_ptr<GpuSummaryStatsAccumulator> gpu_;  // set when the GPU is used; acc_ is then idle
  Index next_cell_ = 0;   // metadata rows consumed
  Index next_used_ = 0;   // position in design_.used_cells()
  Index n_rows_ = 0;      // metadata rows the design was built from
  std::vector<std::string> notes_;
};

/// Streams the cells of `reader` from its first cell, in chunks of at most chunk_cells, into
/// `acc`, in one pass over the data; only cells [begin, end) are added (end < 0: to the last),
/// the others skipped as shards skip them (the reader seeks to cell `begin`, so a reader that
/// can jump there reads only the shard's cells). progress(reading, cells added, end - begin) is
/// called after each chunk.
/// Returns acc.finish(). Throws what the reader and the accumulator throw.
SummaryStats accumulate_cells(io::MatrixReader& reader, CellStreamAccumulator& acc, Index chunk_cells, Index begin = 0,
                              Index end = -1, const ProgressCallback& progress = {});

/// The cell totals of every cell of `reader`, n_cells() values each: libsize (the sum of a
/// cell's values) and nfeatures (its nonzero entries), as CellStreamAccumulator computes them.
/// One pass over the data, from the first cell; the reader is rewound after it. For designs
/// that need a total of every cell first (cell_totals_use(): scale(libsize), a subset).
/// progress(reading, cells passed, n_cells()) is called after each chunk.
struct CellTotalColumns {
  std::vector<double> libsize, nfeatures;
};
CellTotalColumns compute_cell_totals(io::MatrixReader& reader, Index chunk_cells,
                                     const ProgressCallback& progress = {});

}  // namespace flashmm
