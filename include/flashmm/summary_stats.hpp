#pragma once
// Summary statistics of the LMM (ALGORITHM.md section 2): the only thing the fit needs.
//
//   n, XX = X'X (p x p), XY = X'Y' (p x G), ZX = Z'X (q x p), ZY = Z'Y' (q x G),
//   ZZ = Z'Z (q x q), Ynorm = sum over cells of y^2 per gene (G)
//
// All are sums over cells, hence additive: statistics of disjoint shards of cells merge by +.
#include <flashmm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm {

/// Transform applied to each stored (nonzero) expression value before accumulation.
enum class Transform {
  none,     ///< use values as they are (any finite value)
  log2p1,   ///< y = log2(1 + x) of counts; zeros stay zero. A value that is not a count (negative,
            ///< not an integer: normalised or log data) is an ExpressionValueError.
};

/// The summary statistics, plus the names that give them meaning. Host memory, column-major.
struct SummaryStats {
  std::int64_t n = 0;        ///< number of cells
  Eigen::MatrixXd XX;        ///< p x p
  Eigen::MatrixXd XY;        ///< p x G
  Eigen::MatrixXd ZX;        ///< q x p
  Eigen::MatrixXd ZY;        ///< q x G
  Eigen::MatrixXd ZZ;        ///< q x q
  Eigen::VectorXd Ynorm;     ///< G

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
  /// naming what differs. The order of additions is the order of calls.
  void merge(const SummaryStats& other);

  /// Checks shapes, names and finiteness; throws InputError saying what is wrong.
  void validate() const;
};

/// Accumulates summary statistics over chunks of cells, in the order the chunks are added.
/// Each chunk's contribution is summed into its own zeroed buffer first and then added to the
/// running totals, so accumulating shards A and B separately (one chunk each) and merging gives
/// bit for bit what accumulating [A; B] in two chunks gives. Work within a chunk is split over
/// genes, so the result does not depend on the number of threads.
class SummaryStatsAccumulator {
 public:
  /// stats supplies the shape and names (see SummaryStats::zeros); its arrays are reset to 0.
  SummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads = 0);

  /// X: cells x p design rows; Z: cells x q random-effect design rows; y: cells x G values.
  /// All three describe the same cells in the same order.
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y);
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CscView<T>& y);
  /// Dense y, cells x G.
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const Eigen::Ref<const Eigen::MatrixXd>& y);

  const SummaryStats& stats() const { return stats_; }
  SummaryStats release() { return std::move(stats_); }

  /// first_cell is the global index of the chunk's first cell, only used in error messages.
  void set_first_cell(Index first_cell) { first_cell_ = first_cell; }

 private:
  SummaryStats stats_;
  Transform transform_;
  int threads_;
  Index first_cell_ = 0;
};

/// Convenience: statistics of all cells at once (one chunk).
SummaryStats compute_summary_stats(const RowMatrixXd& X, const SparseRowMatrix& Z,
                                   const Eigen::Ref<const Eigen::MatrixXd>& y, Transform transform,
                                   int threads = 0);

}  // namespace flashmm
