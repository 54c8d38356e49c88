#pragma once
// Internal: products with one column per gene, computed one column at a time.
#include "util/parallel.hpp"

#include <Eigen/Dense>

namespace flashmm::detail {

/// A * B (A: m x k, B: k x n) as n matrix-vector products spread over threads. A matrix product
/// over all columns blocks and vectorises by the number of columns, which moves the last bits of
/// every column; this way column j of the result depends on column j of B alone, so a gene's
/// numbers do not depend on which other genes are fitted with it (--gene-list equals a
/// pre-filtered input bit for bit) nor on the thread count.
inline Eigen::MatrixXd columnwise_product(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, int threads) {
  Eigen::MatrixXd out(A.rows(), B.cols());
  parallel_for_blocks(B.cols(), threads, 64, [&](Eigen::Index j0, Eigen::Index j1) {
    for (Eigen::Index j = j0; j < j1; ++j) out.col(j).noalias() = A * B.col(j);
  });
  return out;
}

}  // namespace flashmm::detail
