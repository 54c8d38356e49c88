#pragma once
// Internal: pieces of the CPU accumulation (host/stats/summary_stats.cpp) that the GPU accumulator
// (kernels/stats/gpu_summary_stats.cpp) shares, so that both check input with the same messages and
// compute the design cross-products XX, ZX, ZZ with the same code.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::detail {

/// Sets n and every total (XX, XY, ZX, ZY, ZZ, Ynorm) to zero, keeping the shape and names.
void zero_totals(SummaryStats& s);

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

/// Throws the ExpressionValueError for a value valid_value refuses.
[[noreturn]] void bad_value(double v, Index gene, const SummaryStats& s, Index cell, Transform t);

/// Adds the chunk's X'X, Z'X and Z'Z (each summed from zero first) to s.XX, s.ZX, s.ZZ.
void add_design_products(SummaryStats& s, const SparseRows& xr, const SparseRows& zr, Index rows);

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
  for (auto idx : y.indices)
    if (idx < 0 || idx >= minor)
      throw InputError(std::string(layout) + " expression chunk: index " + std::to_string(idx) + " out of range [0, " +
                       std::to_string(minor) + ")");
}

}  // namespace flashmm::detail
