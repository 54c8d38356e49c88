#pragma once
// Summary statistics of the LMM (ALGORITHM.md section 2): the only thing the fit needs.
//
//   n, XX = X'X (p x p), XY = X'Y' (p x G), ZX = Z'X (q x p), ZY = Z'Y' (q x G),
//   ZZ = Z'Z (q x q), Ynorm = sum over cells of y^2 per gene (G), Ysum = sum of y (G),
//   nnz = cells with a nonzero stored value (G)
//
// All are sums over cells, hence additive: statistics of disjoint shards of cells merge by +.
//
// Determinism (the results depend on the data only: not on --chunk-cells, threads or shards).
// Cells are summed in fixed blocks of kCellBlock cells of the input, aligned to its cell
// numbers (cells 0..9999, 10000..19999, ...): within a block in cell order, from zero, however
// the reader cuts the cells into chunks; the blocks' sums are then added exactly (ExactSums), so
// the order and grouping of the blocks does not matter. Hence shards whose boundaries fall on
// multiples of kCellBlock cells merge to the bits of one pass over all cells; other boundaries
// split a block and agree to rounding (about 1e-16 relative).
#include <flashmm/exact_sums.hpp>
#include <flashmm/types.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace flashmm {

/// Transform applied to each stored (nonzero) expression value before accumulation.
enum class Transform {
  none,     ///< use values as they are (any finite value)
  log2p1,   ///< y = log2(1 + x) of counts; zeros stay zero. A value that is not a count (negative,
            ///< not an integer: normalised or log data) is an ExpressionValueError.
};

/// Cells per accumulation block (see above): shards that start at multiples of it merge exactly.
inline constexpr Index kCellBlock = 10000;

/// Per-gene counts.
using CountVector = Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>;

/// The summary statistics, plus the names that give them meaning. Host memory, column-major.
struct SummaryStats {
  std::int64_t n = 0;        ///< number of cells
  Eigen::MatrixXd XX;        ///< p x p
  Eigen::MatrixXd XY;        ///< p x G
  Eigen::MatrixXd ZX;        ///< q x p
  Eigen::MatrixXd ZY;        ///< q x G
  Eigen::MatrixXd ZZ;        ///< q x q
  Eigen::VectorXd Ynorm;     ///< G: sum over cells of y^2
  Eigen::VectorXd Ysum;      ///< G: sum over cells of y (after the transform)
  CountVector nnz;           ///< G: cells whose stored value is nonzero

  /// The exact sums behind the doubles above, in the order XX, XY, ZX, ZY, ZZ, Ynorm, Ysum (each
  /// column-major), when known (the accumulators and stats files keep them); the doubles are
  /// then their rounding, and merge() adds them exactly. Empty for statistics made otherwise;
  /// code that changes the doubles must clear it.
  ExactSums exact;

  std::vector<int> d;                       ///< sizes of the random components, sum = q
  std::vector<std::string> component_names; ///< k names of the random components (e.g. "sam")
  std::vector<std::string> fixed_names;     ///< p names of X's columns
  std::vector<std::string> random_names;    ///< q names of Z's columns
  std::vector<std::string> gene_names;      ///< G names

  Index p() const { return XX.rows(); }
  Index q() const { return ZZ.rows(); }
  Index genes() const { return XY.cols(); }
  int k() const { return static_cast<int>(d.size()); }

  /// Zero statistics of the given shape with default names (x1.., z1.., Gene1.., one component).
  static SummaryStats zeros(Index p, Index q, Index genes);

  /// Adds another shard's statistics (same shape and names, disjoint cells). Throws InputError
  /// naming what differs. Exact (independent of the order of merges) when both have exact
  /// sums; otherwise the doubles are added in the order of calls and the exact sums dropped.
  void merge(const SummaryStats& other);

  /// Number of doubles in the totals (XX, XY, ZX, ZY, ZZ, Ynorm, Ysum): the size of `exact`.
  std::size_t total_size() const;
  /// Sets the doubles to the rounding of `exact` (which must have total_size() elements), on up
  /// to `threads` threads (0: all); the result does not depend on them.
  void round_exact(int threads = 1);

  /// Checks shapes, names and finiteness; throws InputError saying what is wrong.
  void validate() const;
};

namespace detail {
struct BlockSums;
struct CellMajorScratch;
}

/// Accumulates summary statistics over chunks of cells, in blocks of `cell_block` cells by the
/// cells' global numbers (see "Determinism" above): the result depends on which cells were added,
/// not on how they were cut into chunks, nor (work within a chunk is split over genes) on the
/// number of threads. Cells must come in increasing order of their numbers.
class SummaryStatsAccumulator {
 public:
  /// shape supplies the shape and names (see SummaryStats::zeros); its arrays are reset to 0.
  /// cell_block: cells per block (kCellBlock; other values only for tests).
  SummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads = 0, Index cell_block = kCellBlock);
  ~SummaryStatsAccumulator();
  SummaryStatsAccumulator(SummaryStatsAccumulator&&) noexcept;
  SummaryStatsAccumulator& operator=(SummaryStatsAccumulator&&) noexcept;

  /// X: cells x p design rows; Z: cells x q random-effect design rows; y: cells x G values.
  /// All three describe the same cells in the same order: cells first_cell, first_cell + 1, ...
  /// (set_first_cell, or following the previous chunk), or the numbers in `cells` (one per row,
  /// increasing; e.g. the cells a design kept), which also number the cells in error messages.
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y, std::span<const Index> cells = {});
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CscView<T>& y, std::span<const Index> cells = {});
  /// Dense y, cells x G.
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const Eigen::Ref<const Eigen::MatrixXd>& y,
           std::span<const Index> cells = {});

  /// The statistics of the cells added so far (the open block included, without closing it).
  const SummaryStats& stats() const;
  /// Closes the last block and hands over the statistics.
  SummaryStats release();

  /// The global number of the next chunk's first cell (when add() is not given `cells`).
  void set_first_cell(Index first_cell) { first_cell_ = first_cell; }

 private:
  template <class Fill>
  void add_gene_major(const RowMatrixXd& X, const SparseRowMatrix& Z, Index cells_in_chunk, std::span<const Index> cells,
                      Fill&& fill);
  mutable SummaryStats stats_;
  Transform transform_;
  int threads_;
  Index cell_block_;
  Index first_cell_ = 0;
  std::unique_ptr<detail::BlockSums> blocks_;
  std::unique_ptr<detail::CellMajorScratch> scratch_;  // buffers of the CSR path, reused from chunk to chunk
};

/// Convenience: statistics of all cells at once (one chunk).
SummaryStats compute_summary_stats(const RowMatrixXd& X, const SparseRowMatrix& Z,
                                   const Eigen::Ref<const Eigen::MatrixXd>& y, Transform transform,
                                   int threads = 0);

}  // namespace flashmm
