#pragma once
// Internal: pieces of the CPU accumulation (host/stats/summary_stats.cpp) that the GPU accumulator
// (kernels/stats/gpu_summary_stats.cpp) shares, so that both check input with the same messages and
// compute the design cross-products XX, ZX, ZZ with the same code.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace flashmm::detail {

/// Sets n and every total (XX, XY, ZX, ZY, ZZ, Ynorm, Ysum, nnz) to zero, keeping the shape and
/// names, with zero exact sums.
void zero_totals(SummaryStats& s);

/// Where each total starts in SummaryStats::exact (XX, XY, ZX, ZY, ZZ, Ynorm, Ysum, in order).
struct TotalsLayout {
  std::size_t XX, XY, ZX, ZY, ZZ, Ynorm, Ysum, size;
  explicit TotalsLayout(const SummaryStats& s);
};

/// The open blocks' partial sums (see "Determinism" in summary_stats.hpp). The design part
/// (XX, ZX, ZZ) has one open block for all cells; the expression part is per gene: gene g's
/// columns of XY and ZY and its Ynorm and Ysum belong to block gene_block[g] (-1: none), and
/// are added to the exact totals when the gene meets a cell of a later block, or at the end.
struct BlockSums {
  Eigen::MatrixXd XX, ZX, ZZ;  // p x p, q x p, q x q
  Index design_block = -1;
  Eigen::MatrixXd XY, ZY;      // p x G, q x G
  Eigen::VectorXd Ynorm, Ysum; // G
  std::vector<Index> gene_block;
  Index last_cell = -1;        // the number of the last cell added
  explicit BlockSums(const SummaryStats& shape);
};

/// Adds gene g's partial sums to s.exact (InputError naming the gene when one overflowed) and
/// zeroes them. Genes may be flushed concurrently.
void flush_gene(SummaryStats& s, BlockSums& b, Index g);
/// The same for the design part.
void flush_design(SummaryStats& s, BlockSums& b);
/// Closes every open block of b into s.exact (genes on up to `threads` threads) and sets s's
/// doubles to the rounding of the exact sums: the end of a stream.
void close_blocks_and_round(SummaryStats& s, BlockSums& b, int threads);
/// The same on a copy of the blocks, leaving s.exact (and the blocks open) as they were: the
/// statistics so far, mid-stream.
void round_with_open_blocks(SummaryStats& s, BlockSums b, int threads);
/// Adds a whole block's expression partials (XY p x G, ZY q x G column-major, Ynorm and Ysum G)
/// to s.exact, checking them as flush_gene does.
void add_gene_partials(SummaryStats& s, const double* XY, const double* ZY, const double* Ynorm, const double* Ysum);

/// Where statistic k (XY's row k for k < p, ZY's row k - p, then Ynorm and Ysum) of gene g is
/// in a block's expression partials held as one array: k * stat + g * gene.
struct PartialsLayout {
  std::size_t stat, gene;
  std::size_t at(Index k, std::size_t g) const { return static_cast<std::size_t>(k) * stat + g * gene; }
};
/// Adds genes [g0, g1) of a block's expression partials (laid out as L says) to s.exact,
/// checking them as flush_gene does, and zeroes them. Gene ranges may be added concurrently.
void add_block_partials(SummaryStats& s, double* sums, PartialsLayout L, Index g0, Index g1);

/// The global numbers of a chunk's `rows` cells: `cells` when given (checked: one per row,
/// increasing), else first_cell, first_cell + 1, ...; each must follow last_cell. InputError
/// otherwise.
std::vector<Index> cell_numbers(Index rows, std::span<const Index> cells, Index first_cell, Index last_cell);

/// Design rows of a chunk as per-row lists of nonzeros: X is mostly indicator columns, so a
/// value of y touches about three of X's p columns rather than all of them. Within a row the
/// columns are distinct and increasing.
struct SparseRows {
  std::vector<Index> start;  ///< rows + 1
  std::vector<int> col;
  std::vector<double> val;
};
SparseRows sparse_rows(const RowMatrixXd& X);
SparseRows sparse_rows(const SparseRowMatrix& Z);

/// Adds the chunk's rows' X'X, Z'X and Z'Z to the design partials, block by block (row r in
/// block row_block[r], increasing), flushing each finished block.
void add_design_products(SummaryStats& s, BlockSums& b, const SparseRows& xr, const SparseRows& zr,
                         std::span<const Index> row_block);

/// Checks a chunk's design against the statistics' shape (rows, columns, finiteness).
void check_design(const SummaryStats& s, const RowMatrixXd& X, const SparseRowMatrix& Z, Index cells,
                  Index first_cell);

/// Whether the transform takes expression value v: finite, and under log2p1 a count (an integer
/// >= 0). The one check of every value, made where the CPU and GPU accumulators first read it.
inline bool valid_value(double v, Transform t) {
  // The conversions are exact below 2^53, and every double from there up is an integer.
  if (t == Transform::log2p1) return v >= 0.0 && v < 0x1p53 && static_cast<double>(static_cast<std::int64_t>(v)) == v;
  return std::isfinite(v);
}

/// The check of a stored value of a CSR chunk: integer types are counts unless negative; other
/// values as valid_value.
template <class T>
bool valid_raw(T raw, Transform t) {
  if constexpr (std::is_integral_v<T>) return t != Transform::log2p1 || raw >= T(0);
  else return valid_value(static_cast<double>(raw), t);
}

/// Throws the ExpressionValueError for a value valid_value refuses.
[[noreturn]] void bad_value(double v, Index gene, const SummaryStats& s, Index cell, Transform t);


/// Checks a compressed chunk: indptr length and monotonicity, indices within [0, minor).
template <class T>
void check_compressed(const CompressedView<T>& y, Index major, Index minor, const char* layout) {
  if (static_cast<Index>(y.indptr.size()) != major + 1)
    throw InputError(std::string(layout) + " expression chunk: indptr has " + std::to_string(y.indptr.size()) +
                     " entries, expected " + std::to_string(major + 1));
  if (y.indptr[0] != 0 || y.indptr[static_cast<std::size_t>(major)] != static_cast<std::int64_t>(y.values.size()) ||
      y.indices.size() != y.values.size())
    throw InputError(std::string(layout) + " expression chunk: indptr, indices and values do not agree in length");
  for (Index m = 0; m < major; ++m)
    if (y.indptr[static_cast<std::size_t>(m) + 1] < y.indptr[static_cast<std::size_t>(m)])
      throw InputError(std::string(layout) + " expression chunk: indptr decreases at " + std::to_string(m));
  // The range first, in a loop without exits (vectorised); the first index at fault only if needed.
  std::int32_t lo = 0, hi = 0;
  for (auto idx : y.indices) {
    lo = std::min(lo, idx);
    hi = std::max(hi, idx);
  }
  if (lo >= 0 && hi < minor) return;
  for (auto idx : y.indices)
    if (idx < 0 || idx >= minor)
      throw InputError(std::string(layout) + " expression chunk: index " + std::to_string(idx) + " out of range [0, " +
                       std::to_string(minor) + ")");
}

}  // namespace flashmm::detail
