#pragma once
// Array types shared by the public API. All fit quantities are double.
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <span>

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

}  // namespace flashmm
