#pragma once
// Array types shared by the public API. All fit quantities are double.
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <span>
#include <vector>

namespace flashmm {

using Index = std::int64_t;
/// Row-major dense matrix (one row per cell) for design rows.
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// Row-major sparse matrix (one row per cell) for random-effect design rows Z.
using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int64_t>;

/// A compressed sparse matrix held elsewhere, by view. With `rows` = cells and `cols` = genes:
///   CSR (cell-major, as h5ad X usually is): indptr has rows+1 entries, indices are gene indices;
///   CSC (gene-major): indptr has cols+1 entries, indices are cell indices.
/// A genes x cells CSR matrix (MatrixMarket from R, FLASHMM's Y) is a cells x genes CSC matrix.
/// T is the stored value type (float, double, int32 or int64 counts).
template <class T>
struct CompressedView {
  Index rows = 0;
  Index cols = 0;
  std::span<const std::int64_t> indptr;
  std::span<const std::int32_t> indices;
  std::span<const T> values;
};

template <class T>
struct CsrView : CompressedView<T> {};
template <class T>
struct CscView : CompressedView<T> {};

/// Rows [begin, end) of a CSR matrix given by its arrays (indptr with rows + 1 entries, from 0),
/// as a view. The view's indptr must start at 0, so it is rebased into `indptr_buffer`, which
/// must outlive the view; indices and values are viewed in place.
template <class T>
CsrView<T> csr_rows(std::span<const std::int64_t> indptr, std::span<const std::int32_t> indices, std::span<const T> values,
                    Index cols, Index begin, Index end, std::vector<std::int64_t>& indptr_buffer) {
  const auto e0 = indptr[static_cast<std::size_t>(begin)], e1 = indptr[static_cast<std::size_t>(end)];
  indptr_buffer.assign(indptr.begin() + begin, indptr.begin() + end + 1);
  for (auto& v : indptr_buffer) v -= e0;
  CsrView<T> view;
  view.rows = end - begin;
  view.cols = cols;
  view.indptr = indptr_buffer;
  view.indices = indices.subspan(static_cast<std::size_t>(e0), static_cast<std::size_t>(e1 - e0));
  view.values = values.subspan(static_cast<std::size_t>(e0), static_cast<std::size_t>(e1 - e0));
  return view;
}

}  // namespace flashmm
