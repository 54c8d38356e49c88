// Summary statistics: the s1 reference values, every input layout, additivity and errors.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::near_relative;

// cells x genes CSR and CSC copies of a dense matrix (as h5ad stores X, and as MatrixMarket
// files from R store genes x cells).
struct Compressed {
  std::vector<std::int64_t> indptr;
  std::vector<std::int32_t> indices;
  std::vector<double> values;
};

Compressed compress(const Eigen::MatrixXd& y, bool by_row) {
  Compressed c;
  const Index major = by_row ? y.rows() : y.cols(), minor = by_row ? y.cols() : y.rows();
  c.indptr.push_back(0);
  for (Index m = 0; m < major; ++m) {
    for (Index k = 0; k < minor; ++k) {
      const double v = by_row ? y(m, k) : y(k, m);
      if (v != 0) {
        c.indices.push_back(static_cast<std::int32_t>(k));
        c.values.push_back(v);
      }
    }
    c.indptr.push_back(static_cast<std::int64_t>(c.values.size()));
  }
  return c;
}

template <class View>
View view_of(const Compressed& c, Index rows, Index cols) {
  View v;
  v.rows = rows;
  v.cols = cols;
  v.indptr = c.indptr;
  v.indices = c.indices;
  v.values = c.values;
  return v;
}

void expect_equal_bits(const SummaryStats& a, const SummaryStats& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.XX, b.XX);
  EXPECT_EQ(a.XY, b.XY);
  EXPECT_EQ(a.ZX, b.ZX);
  EXPECT_EQ(a.ZY, b.ZY);
  EXPECT_EQ(a.ZZ, b.ZZ);
  EXPECT_EQ(a.Ynorm, b.Ynorm);
}

void expect_near(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol, const char* what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.cols(), b.cols()) << what;
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = 0; j < a.cols(); ++j)
      EXPECT_TRUE(near_relative(a(i, j), b(i, j), tol)) << what << "(" << i << "," << j << "): " << a(i, j) << " vs " << b(i, j);
}

TEST(SummaryStats, MatchesFlashmmOnS1) {
  const SummaryStats s = testing::s1_stats(testing::s1_design("main", "sam"));
  EXPECT_EQ(s.n, 4000);
  const double tol = 1e-12;
  auto ref = [](const char* f) { return testing::read_named_matrix(testing::data_path(f)); };
  const auto xx = ref("s1_ss_XX.csv"), xy = ref("s1_ss_XY.csv"), zx = ref("s1_ss_ZX.csv"), zy = ref("s1_ss_ZY.csv"),
             zz = ref("s1_ss_ZZ.csv"), yn = ref("s1_ss_Ynorm.csv");
  EXPECT_EQ(xx.row_names, s.fixed_names);
  EXPECT_EQ(zx.row_names, s.random_names);
  EXPECT_EQ(xy.col_names, s.gene_names);
  expect_near(s.XX, xx.values, tol, "XX");
  expect_near(s.XY, xy.values, tol, "XY");
  expect_near(s.ZX, zx.values, tol, "ZX");
  expect_near(s.ZY, zy.values, tol, "ZY");
  expect_near(s.ZZ, zz.values, tol, "ZZ");
  expect_near(s.Ynorm, yn.values.col(0), tol, "Ynorm");
}

TEST(SummaryStats, DenseCsrAndCscGiveTheSameBits) {
  const auto design = testing::s1_design("main", "sam+batch");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const Compressed csr = compress(y, true), csc = compress(y, false);
  SummaryStatsAccumulator dense(testing::s1_shape(design), Transform::log2p1), a(testing::s1_shape(design), Transform::log2p1),
      b(testing::s1_shape(design), Transform::log2p1);
  dense.add(design.X, design.Z, y);
  a.add(design.X, design.Z, view_of<CsrView<double>>(csr, y.rows(), y.cols()));
  b.add(design.X, design.Z, view_of<CscView<double>>(csc, y.rows(), y.cols()));
  expect_equal_bits(dense.stats(), a.stats());
  expect_equal_bits(dense.stats(), b.stats());

  // Integer and float counts read the same.
  std::vector<float> f(csr.values.begin(), csr.values.end());
  std::vector<std::int32_t> i32(csr.values.begin(), csr.values.end());
  CsrView<float> vf;
  vf.rows = y.rows();
  vf.cols = y.cols();
  vf.indptr = csr.indptr;
  vf.indices = csr.indices;
  vf.values = f;
  CsrView<std::int32_t> vi;
  vi.rows = y.rows();
  vi.cols = y.cols();
  vi.indptr = csr.indptr;
  vi.indices = csr.indices;
  vi.values = i32;
  SummaryStatsAccumulator af(testing::s1_shape(design), Transform::log2p1), ai(testing::s1_shape(design), Transform::log2p1);
  af.add(design.X, design.Z, vf);
  ai.add(design.X, design.Z, vi);
  expect_equal_bits(dense.stats(), af.stats());
  expect_equal_bits(dense.stats(), ai.stats());
}

TEST(SummaryStats, NoTransformUsesValuesAsGiven) {
  const auto design = testing::s1_design("main", "sam");
  const Eigen::MatrixXd logy = testing::s1().counts.unaryExpr([](double v) { return std::log2(1 + v); });
  SummaryStatsAccumulator plain(testing::s1_shape(design), Transform::none), logged(testing::s1_shape(design), Transform::log2p1);
  plain.add(design.X, design.Z, logy);
  logged.add(design.X, design.Z, testing::s1().counts);
  expect_equal_bits(plain.stats(), logged.stats());
  // And by definition: Ynorm = sum of squares, XY = X' y.
  expect_near(plain.stats().XY, design.X.transpose() * logy, 1e-13, "XY");
  expect_near(plain.stats().Ynorm, logy.colwise().squaredNorm().transpose(), 1e-13, "Ynorm");
}

TEST(SummaryStats, ShardsMergeToTheSameBitsWhenTheOrderIsTheSame) {
  const auto design = testing::s1_design("main", "sam+batch");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const Index half = 1731;  // an uneven split
  const RowMatrixXd Xa = design.X.topRows(half), Xb = design.X.bottomRows(y.rows() - half);
  const SparseRowMatrix Za = design.Z.topRows(half), Zb = design.Z.bottomRows(y.rows() - half);
  const Eigen::MatrixXd ya = y.topRows(half), yb = y.bottomRows(y.rows() - half);

  SummaryStatsAccumulator all(testing::s1_shape(design), Transform::log2p1);
  all.add(Xa, Za, ya);
  all.add(Xb, Zb, yb);
  SummaryStatsAccumulator sa(testing::s1_shape(design), Transform::log2p1), sb(testing::s1_shape(design), Transform::log2p1);
  sa.add(Xa, Za, ya);
  sb.add(Xb, Zb, yb);
  SummaryStats merged = sa.release();
  merged.merge(sb.stats());
  expect_equal_bits(all.stats(), merged);

  // One chunk of all cells differs only by rounding.
  const SummaryStats whole = testing::s1_stats(design);
  expect_near(whole.XY, merged.XY, 1e-13, "XY");
  expect_near(whole.ZY, merged.ZY, 1e-13, "ZY");
  expect_near(whole.Ynorm, merged.Ynorm, 1e-13, "Ynorm");
  expect_near(whole.XX, merged.XX, 1e-13, "XX");
}

TEST(SummaryStats, ThreadCountDoesNotChangeABit) {
  const auto design = testing::s1_design("main", "sam+batch");
  expect_equal_bits(testing::s1_stats(design, 1), testing::s1_stats(design, 3));
}

TEST(SummaryStats, MergeRejectsDifferentShapesOrNames) {
  const auto design = testing::s1_design("main", "sam");
  SummaryStats a = testing::s1_stats(design);
  SummaryStats b = a;
  b.gene_names[4] = "Other";
  try {
    a.merge(b);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gene 5 is 'Gene5' in one and 'Other'"), std::string::npos) << e.what();
  }
  SummaryStats c = testing::s1_stats(testing::s1_design("main", "sam+batch"));
  EXPECT_THROW(a.merge(c), InputError);
}

template <class F>
void expect_input_error(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(SummaryStatsErrors, BadValuesNameTheGeneAndCell) {
  const auto design = testing::s1_design("main", "sam");
  Eigen::MatrixXd y = testing::s1().counts;
  y(10, 3) = NAN;
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, y); },
                     {"Gene4", "cell 11", "not finite"});
  y(10, 3) = INFINITY;
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::none).add(design.X, design.Z, y); },
                     {"Gene4", "not finite"});
  y(10, 3) = -2;
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, y); },
                     {"Gene4", "cell 11", "negative", "transform 'none'"});
  // Negative values are fine without the log transform (already-normalised data).
  EXPECT_NO_THROW(SummaryStatsAccumulator(testing::s1_shape(design), Transform::none).add(design.X, design.Z, y));
}

TEST(SummaryStatsErrors, MismatchedDimensions) {
  const auto design = testing::s1_design("main", "sam");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const Eigen::MatrixXd fewer_cells = y.topRows(100);
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, fewer_cells); },
                     {"100 cells", "X has 4000 rows"});
  const Eigen::MatrixXd fewer_genes = y.leftCols(10);
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, fewer_genes); },
                     {"10 columns (genes), expected 60"});
  RowMatrixXd X = design.X;
  X(5, 0) = NAN;
  expect_input_error([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(X, design.Z, y); },
                     {"log(libsize)", "cell 6"});
  Compressed csr = compress(y, true);
  csr.indices[3] = 99;
  expect_input_error(
      [&] {
        SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1)
            .add(design.X, design.Z, view_of<CsrView<double>>(csr, y.rows(), y.cols()));
      },
      {"index 99 out of range"});
}

}  // namespace
}  // namespace flashmm
