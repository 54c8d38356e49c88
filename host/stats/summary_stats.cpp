// Summary statistics (ALGORITHM.md section 2): accumulation over chunks of cells, and merging.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include "util/parallel.hpp"
#include "stats/summary_stats_internal.hpp"

#include <cmath>
#include <sstream>
#include <string>

namespace flashmm {

namespace {

std::vector<std::string> numbered(const std::string& prefix, Index count) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(count));
  for (Index i = 1; i <= count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

// A gene-major (CSC) copy of a chunk's values, already transformed.
struct GeneMajor {
  std::vector<Index> start;     // genes + 1
  std::vector<std::int32_t> cell;
  std::vector<double> value;
};

inline double transformed(double v, Transform t) {
  return t == Transform::log2p1 ? std::log2(1.0 + v) : v;
}

}  // namespace

namespace detail {

void zero_totals(SummaryStats& s) {
  s.n = 0;
  s.XX.setZero();
  s.XY.setZero();
  s.ZX.setZero();
  s.ZY.setZero();
  s.ZZ.setZero();
  s.Ynorm.setZero();
}

// Design rows of a chunk as per-row lists of nonzeros: X is mostly indicator columns, so a
// value of y touches about three of X's p columns rather than all of them.
SparseRows sparse_rows(const RowMatrixXd& X) {
  SparseRows s;
  s.start.reserve(static_cast<std::size_t>(X.rows()) + 1);
  s.start.push_back(0);
  for (Index i = 0; i < X.rows(); ++i) {
    for (Index j = 0; j < X.cols(); ++j) {
      const double v = X(i, j);
      if (v != 0.0) {
        s.col.push_back(static_cast<int>(j));
        s.val.push_back(v);
      }
    }
    s.start.push_back(static_cast<Index>(s.col.size()));
  }
  return s;
}

SparseRows sparse_rows(const SparseRowMatrix& Z) {
  SparseRows s;
  s.start.reserve(static_cast<std::size_t>(Z.rows()) + 1);
  s.start.push_back(0);
  for (Index i = 0; i < Z.rows(); ++i) {
    for (SparseRowMatrix::InnerIterator it(Z, i); it; ++it) {
      if (it.value() != 0.0) {
        s.col.push_back(static_cast<int>(it.col()));
        s.val.push_back(it.value());
      }
    }
    s.start.push_back(static_cast<Index>(s.col.size()));
  }
  return s;
}

[[noreturn]] void bad_value(double v, Index gene, const SummaryStats& s, Index cell, [[maybe_unused]] Transform t) {
  std::ostringstream msg;
  const std::string gname = gene < static_cast<Index>(s.gene_names.size())
                                ? s.gene_names[static_cast<std::size_t>(gene)]
                                : "#" + std::to_string(gene + 1);
  msg << "expression value " << v << " of gene '" << gname << "' in cell " << cell + 1;
  if (!std::isfinite(v)) {
    msg << " is not finite: remove or repair the non-finite values before fitting";
  } else {
    msg << (v < 0 ? " is negative, so not a count" : " is not a count")
        << " (an integer >= 0), but the log2p1 transform (log2(1 + x)) models counts, and libsize "
           "sums them: the matrix looks normalised or log-transformed. Read the input's counts instead (another "
           "layer, or raw), or use the transform 'none' for values already on the scale to be modelled";
  }
  throw ExpressionValueError(msg.str(), cell, gene, v);
}

void check_design(const SummaryStats& s, const RowMatrixXd& X, const SparseRowMatrix& Z, Index cells,
                  Index first_cell) {
  if (X.rows() != cells || Z.rows() != cells)
    throw InputError("the chunk has " + std::to_string(cells) + " cells of expression but X has " +
                     std::to_string(X.rows()) + " rows and Z has " + std::to_string(Z.rows()) + " rows");
  if (X.cols() != s.p())
    throw InputError("X has " + std::to_string(X.cols()) + " columns, expected " + std::to_string(s.p()));
  if (Z.cols() != s.q())
    throw InputError("Z has " + std::to_string(Z.cols()) + " columns, expected " + std::to_string(s.q()));
  for (Index j = 0; j < X.cols(); ++j)
    for (Index i = 0; i < X.rows(); ++i)
      if (!std::isfinite(X(i, j)))
        throw InputError("design column '" + s.fixed_names[static_cast<std::size_t>(j)] + "' is not finite in cell " +
                         std::to_string(first_cell + i + 1));
  for (Index k = 0; k < Z.nonZeros(); ++k)
    if (!std::isfinite(Z.valuePtr()[k])) throw InputError("the random-effect design Z holds NaN or Inf values");
}

void add_design_products(SummaryStats& s, const SparseRows& xr, const SparseRows& zr, Index rows) {
  const Index p = s.p(), q = s.q();
  Eigen::MatrixXd XX = Eigen::MatrixXd::Zero(p, p), ZX = Eigen::MatrixXd::Zero(q, p), ZZ = Eigen::MatrixXd::Zero(q, q);
  for (Index i = 0; i < rows; ++i) {
    const auto i0 = xr.start[static_cast<std::size_t>(i)], i1 = xr.start[static_cast<std::size_t>(i) + 1];
    const auto z0 = zr.start[static_cast<std::size_t>(i)], z1 = zr.start[static_cast<std::size_t>(i) + 1];
    for (Index a = i0; a < i1; ++a)
      for (Index b = i0; b < i1; ++b) XX(xr.col[a], xr.col[b]) += xr.val[a] * xr.val[b];
    for (Index a = z0; a < z1; ++a) {
      for (Index b = i0; b < i1; ++b) ZX(zr.col[a], xr.col[b]) += zr.val[a] * xr.val[b];
      for (Index b = z0; b < z1; ++b) ZZ(zr.col[a], zr.col[b]) += zr.val[a] * zr.val[b];
    }
  }
  s.XX += XX;
  s.ZX += ZX;
  s.ZZ += ZZ;
}

}  // namespace detail

SummaryStats SummaryStats::zeros(Index p, Index q, Index genes) {
  SummaryStats s;
  s.XX = Eigen::MatrixXd::Zero(p, p);
  s.XY = Eigen::MatrixXd::Zero(p, genes);
  s.ZX = Eigen::MatrixXd::Zero(q, p);
  s.ZY = Eigen::MatrixXd::Zero(q, genes);
  s.ZZ = Eigen::MatrixXd::Zero(q, q);
  s.Ynorm = Eigen::VectorXd::Zero(genes);
  s.d = {static_cast<int>(q)};
  s.component_names = {"z"};
  s.fixed_names = numbered("x", p);
  s.random_names = numbered("z", q);
  s.gene_names = numbered("Gene", genes);
  return s;
}

void SummaryStats::validate() const {
  const Index p_ = XX.rows(), q_ = ZZ.rows(), g_ = XY.cols();
  auto shape = [](const char* name, const Eigen::MatrixXd& m, Index r, Index c) {
    if (m.rows() != r || m.cols() != c) {
      std::ostringstream msg;
      msg << "summary statistic " << name << " is " << m.rows() << " x " << m.cols() << ", expected "
          << r << " x " << c;
      throw InputError(msg.str());
    }
  };
  shape("XX", XX, p_, p_);
  shape("XY", XY, p_, g_);
  shape("ZX", ZX, q_, p_);
  shape("ZY", ZY, q_, g_);
  shape("ZZ", ZZ, q_, q_);
  if (Ynorm.size() != g_)
    throw InputError("summary statistic Ynorm has " + std::to_string(Ynorm.size()) + " entries, expected " +
                     std::to_string(g_) + " (one per gene)");
  Index dsum = 0;
  for (int di : d) {
    if (di <= 0) throw InputError("every random component needs at least one column (d has " + std::to_string(di) + ")");
    dsum += di;
  }
  if (dsum != q_)
    throw InputError("the random-component sizes d add up to " + std::to_string(dsum) + " but Z has " +
                     std::to_string(q_) + " columns");
  auto names = [](const char* what, const std::vector<std::string>& v, Index expected) {
    if (static_cast<Index>(v.size()) != expected)
      throw InputError(std::string("there are ") + std::to_string(v.size()) + " " + what + " names for " +
                       std::to_string(expected) + " " + what + "s");
  };
  names("fixed-effect column", fixed_names, p_);
  names("random-effect column", random_names, q_);
  names("gene", gene_names, g_);
  names("random component", component_names, static_cast<Index>(d.size()));
  auto finite = [](const char* name, const Eigen::MatrixXd& m) {
    if (!m.allFinite()) throw InputError(std::string("summary statistic ") + name + " holds NaN or Inf values");
  };
  finite("XX", XX);
  finite("XY", XY);
  finite("ZX", ZX);
  finite("ZY", ZY);
  finite("ZZ", ZZ);
  if (!Ynorm.allFinite()) throw InputError("summary statistic Ynorm holds NaN or Inf values");
}

void SummaryStats::merge(const SummaryStats& other) {
  if (other.XX.rows() != XX.rows() || other.ZZ.rows() != ZZ.rows() || other.XY.cols() != XY.cols())
    throw InputError("cannot merge summary statistics of different shapes (p, q, genes): (" +
                     std::to_string(p()) + ", " + std::to_string(q()) + ", " + std::to_string(genes()) +
                     ") and (" + std::to_string(other.p()) + ", " + std::to_string(other.q()) + ", " +
                     std::to_string(other.genes()) + ")");
  auto same = [](const char* what, const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
      if (a[i] != b[i])
        throw InputError(std::string("cannot merge summary statistics: ") + what + " " + std::to_string(i + 1) +
                         " is '" + a[i] + "' in one and '" + b[i] + "' in the other");
  };
  same("fixed-effect column", fixed_names, other.fixed_names);
  same("random-effect column", random_names, other.random_names);
  same("gene", gene_names, other.gene_names);
  if (d != other.d) throw InputError("cannot merge summary statistics with different random components");
  n += other.n;
  XX += other.XX;
  XY += other.XY;
  ZX += other.ZX;
  ZY += other.ZY;
  ZZ += other.ZZ;
  Ynorm += other.Ynorm;
}

SummaryStatsAccumulator::SummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads)
    : stats_(std::move(shape)), transform_(transform), threads_(threads) {
  detail::zero_totals(stats_);
}

namespace {

// Adds a chunk given gene-major (transformed) values. Design part: XX, ZX, ZZ; expression part
// split over genes. Each partial starts from zero and is then added to the totals.
void accumulate(SummaryStats& s, const RowMatrixXd& X, const SparseRowMatrix& Z, const GeneMajor& y,
                int threads) {
  const Index p = s.p(), q = s.q(), G = s.genes();
  const detail::SparseRows xr = detail::sparse_rows(X);
  const detail::SparseRows zr = detail::sparse_rows(Z);


  Eigen::MatrixXd XY = Eigen::MatrixXd::Zero(p, G), ZY = Eigen::MatrixXd::Zero(q, G);
  Eigen::VectorXd Yn = Eigen::VectorXd::Zero(G);
  detail::parallel_for_blocks(G, threads, 64, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      double* xy = XY.col(g).data();
      double* zy = ZY.col(g).data();
      double yy = 0.0;
      for (Index e = y.start[static_cast<std::size_t>(g)]; e < y.start[static_cast<std::size_t>(g) + 1]; ++e) {
        const auto i = static_cast<std::size_t>(y.cell[static_cast<std::size_t>(e)]);
        const double v = y.value[static_cast<std::size_t>(e)];
        yy += v * v;
        for (Index a = xr.start[i]; a < xr.start[i + 1]; ++a) xy[xr.col[a]] += xr.val[a] * v;
        for (Index a = zr.start[i]; a < zr.start[i + 1]; ++a) zy[zr.col[a]] += zr.val[a] * v;
      }
      Yn[g] = yy;
    }
  });

  s.n += X.rows();
  detail::add_design_products(s, xr, zr, X.rows());
  s.XY += XY;
  s.ZY += ZY;
  s.Ynorm += Yn;
}

template <class T>
double checked_value(T raw, Transform t, const SummaryStats& s, Index gene, Index cell) {
  const auto v = static_cast<double>(raw);
  if (!detail::valid_value(v, t)) detail::bad_value(v, gene, s, cell, t);
  return transformed(v, t);
}

}  // namespace

template <class T>
void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y) {
  const Index cells = y.rows, G = stats_.genes();
  if (y.cols != G)
    throw InputError("the expression chunk has " + std::to_string(y.cols) + " genes, expected " + std::to_string(G));
  detail::check_design(stats_, X, Z, cells, first_cell_);
  detail::check_compressed(y, cells, G, "CSR");
  // Counting sort of the chunk into gene-major order, cells ascending within a gene.
  GeneMajor gm;
  gm.start.assign(static_cast<std::size_t>(G) + 1, 0);
  for (auto g : y.indices) ++gm.start[static_cast<std::size_t>(g) + 1];
  for (Index g = 0; g < G; ++g) gm.start[static_cast<std::size_t>(g) + 1] += gm.start[static_cast<std::size_t>(g)];
  gm.cell.resize(y.values.size());
  gm.value.resize(y.values.size());
  std::vector<Index> fill(gm.start.begin(), gm.start.end() - 1);
  for (Index i = 0; i < cells; ++i) {
    for (auto e = y.indptr[static_cast<std::size_t>(i)]; e < y.indptr[static_cast<std::size_t>(i) + 1]; ++e) {
      const auto g = y.indices[static_cast<std::size_t>(e)];
      const auto dst = static_cast<std::size_t>(fill[static_cast<std::size_t>(g)]++);
      gm.cell[dst] = static_cast<std::int32_t>(i);
      gm.value[dst] = checked_value(y.values[static_cast<std::size_t>(e)], transform_, stats_, g, first_cell_ + i);
    }
  }
  accumulate(stats_, X, Z, gm, threads_);
  first_cell_ += cells;
}

template <class T>
void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CscView<T>& y) {
  const Index cells = y.rows, G = stats_.genes();
  if (y.cols != G)
    throw InputError("the expression chunk has " + std::to_string(y.cols) + " genes, expected " + std::to_string(G));
  detail::check_design(stats_, X, Z, cells, first_cell_);
  detail::check_compressed(y, G, cells, "CSC");
  GeneMajor gm;
  gm.start.assign(y.indptr.begin(), y.indptr.end());
  gm.cell.assign(y.indices.begin(), y.indices.end());
  gm.value.resize(y.values.size());
  for (Index g = 0; g < G; ++g)
    for (auto e = y.indptr[static_cast<std::size_t>(g)]; e < y.indptr[static_cast<std::size_t>(g) + 1]; ++e)
      gm.value[static_cast<std::size_t>(e)] =
          checked_value(y.values[static_cast<std::size_t>(e)], transform_, stats_, g, first_cell_ + y.indices[static_cast<std::size_t>(e)]);
  accumulate(stats_, X, Z, gm, threads_);
  first_cell_ += cells;
}

void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z,
                                  const Eigen::Ref<const Eigen::MatrixXd>& y) {
  const Index cells = y.rows(), G = stats_.genes();
  if (y.cols() != G)
    throw InputError("the expression matrix has " + std::to_string(y.cols()) + " columns (genes), expected " +
                     std::to_string(G));
  detail::check_design(stats_, X, Z, cells, first_cell_);
  GeneMajor gm;
  gm.start.assign(static_cast<std::size_t>(G) + 1, 0);
  for (Index g = 0; g < G; ++g) {
    for (Index i = 0; i < cells; ++i) {
      const double v = y(i, g);
      if (v == 0.0) continue;  // zeros contribute nothing (and log2(1 + 0) = 0)
      gm.cell.push_back(static_cast<std::int32_t>(i));
      gm.value.push_back(checked_value(v, transform_, stats_, g, first_cell_ + i));
    }
    gm.start[static_cast<std::size_t>(g) + 1] = static_cast<Index>(gm.cell.size());
  }
  accumulate(stats_, X, Z, gm, threads_);
  first_cell_ += cells;
}

#define FLASHMM_INSTANTIATE(T)                                                                              \
  template void SummaryStatsAccumulator::add<T>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<T>&); \
  template void SummaryStatsAccumulator::add<T>(const RowMatrixXd&, const SparseRowMatrix&, const CscView<T>&);
FLASHMM_INSTANTIATE(float)
FLASHMM_INSTANTIATE(double)
FLASHMM_INSTANTIATE(std::int32_t)
FLASHMM_INSTANTIATE(std::int64_t)
#undef FLASHMM_INSTANTIATE

SummaryStats compute_summary_stats(const RowMatrixXd& X, const SparseRowMatrix& Z,
                                   const Eigen::Ref<const Eigen::MatrixXd>& y, Transform transform, int threads) {
  SummaryStatsAccumulator acc(SummaryStats::zeros(X.cols(), Z.cols(), y.cols()), transform, threads);
  acc.add(X, Z, y);
  return acc.release();
}

}  // namespace flashmm
