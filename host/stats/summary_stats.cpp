// Summary statistics (ALGORITHM.md section 2): accumulation over chunks of cells, and merging.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include "util/parallel.hpp"
#include "stats/cell_major_sums.hpp"
#include "stats/summary_stats_internal.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace flashmm {

namespace {

std::vector<std::string> numbered(const std::string& prefix, Index count) {
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(count));
  for (Index i = 1; i <= count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

// A gene-major (CSC) copy of a chunk's values, already transformed, with the count of stored
// zeros per gene (rare: counted apart so that the common path has no extra work).
struct GeneMajor {
  std::vector<Index> start;     // genes + 1
  std::vector<std::int32_t> cell;
  std::vector<double> value;
  std::vector<std::int64_t> zeros;  // genes
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
  s.Ysum = Eigen::VectorXd::Zero(s.genes());
  s.nnz = CountVector::Zero(s.genes());
  s.exact = ExactSums(s.total_size());
}

TotalsLayout::TotalsLayout(const SummaryStats& s) {
  const auto p = static_cast<std::size_t>(s.p()), q = static_cast<std::size_t>(s.q()),
             G = static_cast<std::size_t>(s.genes());
  XX = 0;
  XY = XX + p * p;
  ZX = XY + p * G;
  ZY = ZX + q * p;
  ZZ = ZY + q * G;
  Ynorm = ZZ + q * q;
  Ysum = Ynorm + G;
  size = Ysum + G;
}

BlockSums::BlockSums(const SummaryStats& shape)
    : XX(Eigen::MatrixXd::Zero(shape.p(), shape.p())),
      ZX(Eigen::MatrixXd::Zero(shape.q(), shape.p())),
      ZZ(Eigen::MatrixXd::Zero(shape.q(), shape.q())),
      XY(Eigen::MatrixXd::Zero(shape.p(), shape.genes())),
      ZY(Eigen::MatrixXd::Zero(shape.q(), shape.genes())),
      Ynorm(Eigen::VectorXd::Zero(shape.genes())),
      Ysum(Eigen::VectorXd::Zero(shape.genes())),
      gene_block(static_cast<std::size_t>(shape.genes()), -1) {}

namespace {

// Adds n partial sums to the exact totals at offset and zeroes them; `what` names the statistic
// in the error raised when one overflowed.
[[noreturn]] void overflow(const std::string& what) {
  throw InputError(what + " exceeds the range of a double (values too large?); scale the data, or use the log2(1 + x) "
                          "transform");
}

template <class What>
void flush_partials(ExactSums& exact, std::size_t offset, double* partial, std::size_t n, What&& what) {
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(partial[k])) overflow(what());
    exact.add(offset + k, partial[k]);
    partial[k] = 0.0;
  }
}

std::string gene_label(const SummaryStats& s, Index g) {
  if (g >= static_cast<Index>(s.gene_names.size())) return "#" + std::to_string(g + 1);
  std::string label = "'";  // appended, not '+': g++ 12 warns falsely (-Wrestrict) on the sum once inlined
  label += s.gene_names[static_cast<std::size_t>(g)];
  label += "'";
  return label;
}

std::string gene_sum(const SummaryStats& s, Index g, const char* stat) {
  return std::string("the sum of ") + stat + " of gene " + gene_label(s, g);
}

}  // namespace

void flush_gene(SummaryStats& s, BlockSums& b, Index g) {
  const TotalsLayout at(s);
  const auto p = static_cast<std::size_t>(s.p()), q = static_cast<std::size_t>(s.q()), gi = static_cast<std::size_t>(g);
  auto what = [&](const char* stat) { return [&s, g, stat] { return gene_sum(s, g, stat); }; };
  flush_partials(s.exact, at.XY + gi * p, b.XY.col(g).data(), p, what("x y"));
  flush_partials(s.exact, at.ZY + gi * q, b.ZY.col(g).data(), q, what("z y"));
  flush_partials(s.exact, at.Ynorm + gi, b.Ynorm.data() + g, 1, what("y^2"));
  flush_partials(s.exact, at.Ysum + gi, b.Ysum.data() + g, 1, what("y"));
  b.gene_block[gi] = -1;
}

void flush_design(SummaryStats& s, BlockSums& b) {
  const TotalsLayout at(s);
  auto what = [] { return std::string("a cross-product of the design columns"); };
  flush_partials(s.exact, at.XX, b.XX.data(), static_cast<std::size_t>(b.XX.size()), what);
  flush_partials(s.exact, at.ZX, b.ZX.data(), static_cast<std::size_t>(b.ZX.size()), what);
  flush_partials(s.exact, at.ZZ, b.ZZ.data(), static_cast<std::size_t>(b.ZZ.size()), what);
  b.design_block = -1;
}

void add_gene_partials(SummaryStats& s, const double* XY, const double* ZY, const double* Ynorm, const double* Ysum) {
  const TotalsLayout at(s);
  const auto p = static_cast<std::size_t>(s.p()), q = static_cast<std::size_t>(s.q()),
             G = static_cast<std::size_t>(s.genes());
  for (std::size_t g = 0; g < G; ++g) {
    auto check = [&](double v, const char* stat) {
      if (!std::isfinite(v)) overflow(gene_sum(s, static_cast<Index>(g), stat));
      return v;
    };
    for (std::size_t j = 0; j < p; ++j) s.exact.add(at.XY + g * p + j, check(XY[g * p + j], "x y"));
    for (std::size_t j = 0; j < q; ++j) s.exact.add(at.ZY + g * q + j, check(ZY[g * q + j], "z y"));
    s.exact.add(at.Ynorm + g, check(Ynorm[g], "y^2"));
    s.exact.add(at.Ysum + g, check(Ysum[g], "y"));
  }
}

void add_block_partials(SummaryStats& s, double* sums, PartialsLayout L, Index g0, Index g1) {
  const TotalsLayout at(s);
  const Index p = s.p(), q = s.q();
  auto add = [&](std::size_t offset, std::size_t row, Index g, const char* stat) {
    double& v = sums[L.at(static_cast<Index>(row), static_cast<std::size_t>(g))];
    if (!std::isfinite(v)) overflow(gene_sum(s, g, stat));
    s.exact.add(offset, v);
    v = 0.0;
  };
  for (Index g = g0; g < g1; ++g) {
    const auto gi = static_cast<std::size_t>(g);
    for (Index j = 0; j < p; ++j)
      add(at.XY + gi * static_cast<std::size_t>(p) + static_cast<std::size_t>(j), static_cast<std::size_t>(j), g, "x y");
    for (Index j = 0; j < q; ++j)
      add(at.ZY + gi * static_cast<std::size_t>(q) + static_cast<std::size_t>(j), static_cast<std::size_t>(p + j), g,
          "z y");
    add(at.Ynorm + gi, static_cast<std::size_t>(p + q), g, "y^2");
    add(at.Ysum + gi, static_cast<std::size_t>(p + q + 1), g, "y");
  }
}

void close_blocks_and_round(SummaryStats& s, BlockSums& b, int threads) {
  // Genes split over the threads: each gene's exact totals are its own elements.
  parallel_for_blocks(s.genes(), threads, 256, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g)
      if (b.gene_block[static_cast<std::size_t>(g)] >= 0) flush_gene(s, b, g);
  });
  if (b.design_block >= 0) flush_design(s, b);
  s.round_exact(threads);
}

void round_with_open_blocks(SummaryStats& s, BlockSums b, int threads) {
  const ExactSums closed = s.exact;
  try {
    close_blocks_and_round(s, b, threads);
  } catch (...) {
    s.exact = closed;
    throw;
  }
  s.exact = closed;
}

std::vector<Index> cell_numbers(Index rows, std::span<const Index> cells, Index first_cell, Index last_cell) {
  std::vector<Index> number(static_cast<std::size_t>(rows));
  if (!cells.empty() && static_cast<Index>(cells.size()) != rows)
    throw InputError("the chunk has " + std::to_string(rows) + " cells but " + std::to_string(cells.size()) +
                     " cell numbers were given");
  Index previous = last_cell;
  for (Index r = 0; r < rows; ++r) {
    const Index c = cells.empty() ? first_cell + r : cells[static_cast<std::size_t>(r)];
    if (c <= previous)
      throw InputError("cells must come in increasing order of their numbers: cell " + std::to_string(c + 1) +
                       " came after cell " + std::to_string(previous + 1));
    number[static_cast<std::size_t>(r)] = previous = c;
  }
  return number;
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

void add_design_products(SummaryStats& s, BlockSums& b, const SparseRows& xr, const SparseRows& zr,
                         std::span<const Index> row_block) {
  for (std::size_t i = 0; i < row_block.size(); ++i) {
    if (row_block[i] != b.design_block) {
      if (b.design_block >= 0) flush_design(s, b);
      b.design_block = row_block[i];
    }
    const auto i0 = xr.start[i], i1 = xr.start[i + 1];
    const auto z0 = zr.start[i], z1 = zr.start[i + 1];
    for (Index a = i0; a < i1; ++a)
      for (Index c = i0; c < i1; ++c) b.XX(xr.col[a], xr.col[c]) += xr.val[a] * xr.val[c];
    for (Index a = z0; a < z1; ++a) {
      for (Index c = i0; c < i1; ++c) b.ZX(zr.col[a], xr.col[c]) += zr.val[a] * xr.val[c];
      for (Index c = z0; c < z1; ++c) b.ZZ(zr.col[a], zr.col[c]) += zr.val[a] * zr.val[c];
    }
  }
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
  s.Ysum = Eigen::VectorXd::Zero(genes);
  s.nnz = CountVector::Zero(genes);
  s.d = {static_cast<int>(q)};
  s.component_names = {"z"};
  s.fixed_names = numbered("x", p);
  s.random_names = numbered("z", q);
  s.gene_names = numbered("Gene", genes);
  return s;
}

std::size_t SummaryStats::total_size() const { return detail::TotalsLayout(*this).size; }

void SummaryStats::round_exact(int threads) {
  const detail::TotalsLayout at(*this);
  if (exact.size() != at.size)
    throw InputError("the exact sums have " + std::to_string(exact.size()) + " elements, the totals " +
                     std::to_string(at.size));
  // Each element is rounded on its own: split over the threads in pieces of 16,384.
  auto round = [&](std::size_t offset, auto& m) {
    const auto elements = static_cast<std::int64_t>(m.size());
    detail::parallel_for_blocks(elements, threads, 16384, [&](std::int64_t a, std::int64_t e) {
      exact.round(offset + static_cast<std::size_t>(a), m.data() + a, static_cast<std::size_t>(e - a));
    });
  };
  round(at.XX, XX);
  round(at.XY, XY);
  round(at.ZX, ZX);
  round(at.ZY, ZY);
  round(at.ZZ, ZZ);
  round(at.Ynorm, Ynorm);
  round(at.Ysum, Ysum);
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
  auto per_gene = [g_](const char* name, Index size) {
    if (size != g_)
      throw InputError(std::string("summary statistic ") + name + " has " + std::to_string(size) +
                       " entries, expected " + std::to_string(g_) + " (one per gene)");
  };
  per_gene("Ynorm", Ynorm.size());
  per_gene("Ysum", Ysum.size());
  per_gene("nnz", nnz.size());
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
  finite("ZX", ZX);
  finite("ZZ", ZZ);
  // Per-gene statistics name the first gene at fault.
  auto finite_columns = [this](const char* name, const Eigen::MatrixXd& m) {
    for (Index g = 0; g < m.cols(); ++g)
      if (!m.col(g).allFinite())
        throw InputError(std::string("summary statistic ") + name + " holds NaN or Inf values, first for gene '" +
                         gene_names[static_cast<std::size_t>(g)] +
                         "' (values too large for a double?); scale the data or use the log2(1 + x) transform");
  };
  finite_columns("XY", XY);
  finite_columns("ZY", ZY);
  finite_columns("Ynorm", Ynorm.transpose());
  finite_columns("Ysum", Ysum.transpose());
  for (Index g = 0; g < g_; ++g)
    if (nnz(g) < 0)
      throw InputError("summary statistic nnz of gene '" + gene_names[static_cast<std::size_t>(g)] + "' is negative");
  if (!exact.empty() && exact.size() != total_size())
    throw InputError("the exact sums have " + std::to_string(exact.size()) + " elements, expected " +
                     std::to_string(total_size()));
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
  same("random component", component_names, other.component_names);
  if (d != other.d) throw InputError("cannot merge summary statistics with different random components");
  if (Ysum.size() != other.Ysum.size() || nnz.size() != other.nnz.size())
    throw InputError("cannot merge summary statistics with and without Ysum and nnz");
  n += other.n;
  nnz += other.nnz;
  if (!exact.empty() && exact.size() == other.exact.size()) {
    exact.merge(other.exact);
    round_exact();
    return;
  }
  exact = ExactSums();
  XX += other.XX;
  XY += other.XY;
  ZX += other.ZX;
  ZY += other.ZY;
  ZZ += other.ZZ;
  Ynorm += other.Ynorm;
  Ysum += other.Ysum;
}

SummaryStatsAccumulator::SummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads, Index cell_block)
    : stats_(std::move(shape)), transform_(transform), threads_(threads), cell_block_(cell_block) {
  if (cell_block_ < 1) throw InputError("the accumulation block must hold at least one cell");
  detail::zero_totals(stats_);
  blocks_ = std::make_unique<detail::BlockSums>(stats_);
  scratch_ = std::make_unique<detail::CellMajorScratch>();
}

SummaryStatsAccumulator::~SummaryStatsAccumulator() = default;
SummaryStatsAccumulator::SummaryStatsAccumulator(SummaryStatsAccumulator&&) noexcept = default;
SummaryStatsAccumulator& SummaryStatsAccumulator::operator=(SummaryStatsAccumulator&&) noexcept = default;

namespace {

// Adds a chunk given gene-major (transformed) values, its rows in blocks row_block (increasing).
// Design part: XX, ZX, ZZ; expression part split over genes, each gene adding its entries in
// cell order to its open block's partial sums.
void accumulate(SummaryStats& s, detail::BlockSums& b, const RowMatrixXd& X, const SparseRowMatrix& Z,
                const GeneMajor& y, const std::vector<Index>& row_block, int threads) {
  const Index G = s.genes();
  const detail::SparseRows xr = detail::sparse_rows(X);
  const detail::SparseRows zr = detail::sparse_rows(Z);
  // The chunk's rows as runs of one block each (usually one or two).
  struct Run {
    std::int32_t end;
    Index block;
  };
  std::vector<Run> runs;
  for (std::size_t r = 0; r < row_block.size(); ++r)
    if (runs.empty() || row_block[r] != runs.back().block) {
      if (!runs.empty()) runs.back().end = static_cast<std::int32_t>(r);
      runs.push_back({0, row_block[r]});
    }
  if (!runs.empty()) runs.back().end = static_cast<std::int32_t>(row_block.size());
  detail::parallel_for_blocks(G, threads, 64, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      double* xy = b.XY.col(g).data();
      double* zy = b.ZY.col(g).data();
      Index e = y.start[gi];
      const Index e1 = y.start[gi + 1];
      for (const Run& run : runs) {
        if (e == e1) break;
        if (y.cell[static_cast<std::size_t>(e)] >= run.end) continue;
        if (run.block != b.gene_block[gi]) {
          if (b.gene_block[gi] >= 0) detail::flush_gene(s, b, g);
          b.gene_block[gi] = run.block;
        }
        double yy = b.Ynorm[g], ys = b.Ysum[g];
        for (; e < e1 && y.cell[static_cast<std::size_t>(e)] < run.end; ++e) {
          const auto i = static_cast<std::size_t>(y.cell[static_cast<std::size_t>(e)]);
          const double v = y.value[static_cast<std::size_t>(e)];
          yy += v * v;
          ys += v;
          for (Index a = xr.start[i]; a < xr.start[i + 1]; ++a) xy[xr.col[a]] += xr.val[a] * v;
          for (Index a = zr.start[i]; a < zr.start[i + 1]; ++a) zy[zr.col[a]] += zr.val[a] * v;
        }
        b.Ynorm[g] = yy;
        b.Ysum[g] = ys;
      }
    }
  });
  detail::add_design_products(s, b, xr, zr, row_block);
  s.n += X.rows();
  for (Index g = 0; g < G; ++g) {
    const auto gi = static_cast<std::size_t>(g);
    s.nnz(g) += y.start[gi + 1] - y.start[gi] - y.zeros[gi];
  }
}

template <class T>
double checked_value(T raw, Transform t, const SummaryStats& s, Index gene, Index cell) {
  const auto v = static_cast<double>(raw);
  if (!detail::valid_value(v, t)) detail::bad_value(v, gene, s, cell, t);
  return transformed(v, t);
}

}  // namespace

template <class Fill>
void SummaryStatsAccumulator::add_gene_major(const RowMatrixXd& X, const SparseRowMatrix& Z, Index cells_in_chunk,
                                             std::span<const Index> cells, Fill&& fill) {
  const std::vector<Index> number = detail::cell_numbers(cells_in_chunk, cells, first_cell_, blocks_->last_cell);
  detail::check_design(stats_, X, Z, cells_in_chunk, number.empty() ? first_cell_ : number.front());
  GeneMajor gm;
  gm.zeros.assign(static_cast<std::size_t>(stats_.genes()), 0);
  fill(gm, number);
  std::vector<Index> row_block(number.size());
  for (std::size_t r = 0; r < number.size(); ++r) row_block[r] = number[r] / cell_block_;
  accumulate(stats_, *blocks_, X, Z, gm, row_block, threads_);
  if (!number.empty()) {
    blocks_->last_cell = number.back();
    first_cell_ = number.back() + 1;
  }
}

template <class T>
void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y,
                                  std::span<const Index> cells) {
  const Index rows = y.rows, G = stats_.genes();
  if (y.cols != G)
    throw InputError("the expression chunk has " + std::to_string(y.cols) + " genes, expected " + std::to_string(G));
  detail::check_compressed(y, rows, G, "CSR");
  if (detail::cell_major_pays(stats_, y.values.size())) {
    // Large chunks: summed as stored, cell by cell (stats/cell_major_sums.hpp), to the same bits.
    const std::vector<Index> number = detail::cell_numbers(rows, cells, first_cell_, blocks_->last_cell);
    detail::check_design(stats_, X, Z, rows, number.empty() ? first_cell_ : number.front());
    std::vector<Index> row_block(number.size());
    for (std::size_t r = 0; r < number.size(); ++r) row_block[r] = number[r] / cell_block_;
    const detail::SparseRows xr = detail::sparse_rows(X);
    const detail::SparseRows zr = detail::sparse_rows(Z);
    detail::add_cell_major(stats_, *blocks_, *scratch_, y, xr, zr, number, row_block, transform_, threads_);
    detail::add_design_products(stats_, *blocks_, xr, zr, row_block);
    stats_.n += rows;
    if (!number.empty()) {
      blocks_->last_cell = number.back();
      first_cell_ = number.back() + 1;
    }
    return;
  }
  add_gene_major(X, Z, rows, cells, [&](GeneMajor& gm, const std::vector<Index>& number) {
    // Counting sort of the chunk into gene-major order, cells ascending within a gene.
    gm.start.assign(static_cast<std::size_t>(G) + 1, 0);
    for (auto g : y.indices) ++gm.start[static_cast<std::size_t>(g) + 1];
    for (Index g = 0; g < G; ++g) gm.start[static_cast<std::size_t>(g) + 1] += gm.start[static_cast<std::size_t>(g)];
    gm.cell.resize(y.values.size());
    gm.value.resize(y.values.size());
    std::vector<Index> fill(gm.start.begin(), gm.start.end() - 1);
    // Plain pointers in the hot loop: the compiler keeps them in registers.
    const std::int64_t* indptr = y.indptr.data();
    const std::int32_t* indices = y.indices.data();
    const T* values = y.values.data();
    Index* next = fill.data();
    std::int32_t* cell = gm.cell.data();
    double* value = gm.value.data();
    const Transform t = transform_;
    for (Index i = 0; i < rows; ++i) {
      for (auto e = indptr[i]; e < indptr[i + 1]; ++e) {
        const std::int32_t g = indices[e];
        const Index dst = next[g]++;
        const T raw = values[e];
        const auto v = static_cast<double>(raw);
        if (!detail::valid_raw(raw, t)) detail::bad_value(v, g, stats_, number[static_cast<std::size_t>(i)], t);
        cell[dst] = static_cast<std::int32_t>(i);
        value[dst] = transformed(v, t);
        if (raw == T(0)) ++gm.zeros[static_cast<std::size_t>(g)];
      }
    }
  });
}

template <class T>
void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CscView<T>& y,
                                  std::span<const Index> cells) {
  const Index rows = y.rows, G = stats_.genes();
  if (y.cols != G)
    throw InputError("the expression chunk has " + std::to_string(y.cols) + " genes, expected " + std::to_string(G));
  detail::check_compressed(y, G, rows, "CSC");
  add_gene_major(X, Z, rows, cells, [&](GeneMajor& gm, const std::vector<Index>& number) {
    gm.start.assign(y.indptr.begin(), y.indptr.end());
    gm.cell.assign(y.indices.begin(), y.indices.end());
    gm.value.resize(y.values.size());
    for (Index g = 0; g < G; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      for (auto e = y.indptr[gi]; e < y.indptr[gi + 1]; ++e) {
        const auto ei = static_cast<std::size_t>(e);
        const T raw = y.values[ei];
        gm.value[ei] = checked_value(raw, transform_, stats_, g, number[static_cast<std::size_t>(y.indices[ei])]);
        if (raw == T(0)) ++gm.zeros[gi];
      }
      // The accumulation takes a gene's cells in increasing order (scipy may leave them unsorted).
      const auto b = static_cast<std::ptrdiff_t>(y.indptr[gi]), e = static_cast<std::ptrdiff_t>(y.indptr[gi + 1]);
      if (!std::is_sorted(gm.cell.begin() + b, gm.cell.begin() + e)) {
        std::vector<std::pair<std::int32_t, double>> entries;
        for (auto k = b; k < e; ++k)
          entries.emplace_back(gm.cell[static_cast<std::size_t>(k)], gm.value[static_cast<std::size_t>(k)]);
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& l, const auto& r) { return l.first < r.first; });
        for (auto k = b; k < e; ++k) {
          gm.cell[static_cast<std::size_t>(k)] = entries[static_cast<std::size_t>(k - b)].first;
          gm.value[static_cast<std::size_t>(k)] = entries[static_cast<std::size_t>(k - b)].second;
        }
      }
    }
  });
}

void SummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z,
                                  const Eigen::Ref<const Eigen::MatrixXd>& y, std::span<const Index> cells) {
  const Index rows = y.rows(), G = stats_.genes();
  if (y.cols() != G)
    throw InputError("the expression matrix has " + std::to_string(y.cols()) + " columns (genes), expected " +
                     std::to_string(G));
  add_gene_major(X, Z, rows, cells, [&](GeneMajor& gm, const std::vector<Index>& number) {
    gm.start.assign(static_cast<std::size_t>(G) + 1, 0);
    for (Index g = 0; g < G; ++g) {
      for (Index i = 0; i < rows; ++i) {
        const double v = y(i, g);
        if (v == 0.0) continue;  // zeros contribute nothing (and log2(1 + 0) = 0)
        gm.cell.push_back(static_cast<std::int32_t>(i));
        gm.value.push_back(checked_value(v, transform_, stats_, g, number[static_cast<std::size_t>(i)]));
      }
      gm.start[static_cast<std::size_t>(g) + 1] = static_cast<Index>(gm.cell.size());
    }
  });
}

const SummaryStats& SummaryStatsAccumulator::stats() const {
  detail::round_with_open_blocks(stats_, *blocks_, threads_);
  return stats_;
}

SummaryStats SummaryStatsAccumulator::release() {
  detail::close_blocks_and_round(stats_, *blocks_, threads_);
  return std::move(stats_);
}

#define FLASHMM_INSTANTIATE(T)                                                                              \
  template void SummaryStatsAccumulator::add<T>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<T>&, \
                                                std::span<const Index>);                                   \
  template void SummaryStatsAccumulator::add<T>(const RowMatrixXd&, const SparseRowMatrix&, const CscView<T>&, \
                                                std::span<const Index>);
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
