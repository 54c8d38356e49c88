#pragma once
// Internal: the design side of the structured path (docs/structured_path.md), computed once per
// model: which component is large, the eigendecompositions of its blocks of zrz and ZZ, their
// couplings to the other (small) components and the fixed-effects design in the same basis.
#include <flashmm/detail/structured_score.hpp>

#include "fit/prepared.hpp"

#include <vector>

namespace flashmm::detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// One symmetric q x q matrix A split into the large component's block (eigendecomposed) and the rest.
struct StructuredSplit {
  Eigen::VectorXd e;   ///< q1 eigenvalues of A_LL, ascending
  bool identity = false;  ///< A_LL is diagonal: its eigenvectors are the identity and U is not formed
  Eigen::MatrixXd U;   ///< q1 x q1 eigenvectors of A_LL (when not identity)
  RowMatrix P;         ///< q1 x qs: U' A_LS
  Eigen::MatrixXd R;   ///< qs x qs: A_SS
  RowMatrix PP;        ///< q1 x qs(qs+1)/2: P(i, a) P(i, c) for a >= c (StructuredBlock::PP)

  StructuredBlock block() const { return {e.data(), P.data(), R.data(), PP.data()}; }
  /// U' x for the large component's rows x (q1 x m).
  Eigen::MatrixXd rotate(const Eigen::MatrixXd& x) const { return identity ? x : Eigen::MatrixXd(U.transpose() * x); }
};

struct StructuredBasis {
  /// Needs at least two random components (pre.k >= 2).
  explicit StructuredBasis(const Prepared& pre);

  int large = 0;                  ///< theta index of the large component (the one with most columns)
  Index q1 = 0, qs = 0;
  std::vector<Index> cols_l;      ///< q1 columns of Z in the large component
  std::vector<Index> cols_s;      ///< qs columns of Z in the others, in the model's order
  std::vector<int> small_theta;   ///< qs: theta index of each column of S
  StructuredSplit zrz;            ///< of zrz
  StructuredSplit zz;             ///< of ZZ (B and M0 under ML; the fixed-effects step)
  Eigen::MatrixXd xl;             ///< q1 x p: U_ZZ' ZX_L
  Eigen::MatrixXd xs;             ///< qs x p: ZX_S

  /// The per-gene arithmetic's view of this basis (pointers into it).
  StructuredModel model(const Prepared& pre) const;
  /// A vector in Z's column order (q) in structured coordinates (L rotated by split's U, then S).
  Eigen::VectorXd to_structured(const StructuredSplit& split, const Eigen::VectorXd& v) const;
  /// The inverse of to_structured.
  Eigen::VectorXd from_structured(const StructuredSplit& split, const Eigen::VectorXd& v) const;
};

/// Cost of one structured evaluation relative to a dense one, for FitPath::automatic
/// (docs/structured_path.md, "choosing the path"): true when the structured form pays.
bool structured_pays(const std::vector<int>& d);

}  // namespace flashmm::detail
