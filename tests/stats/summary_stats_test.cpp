// Summary statistics: the s1 reference values, every input layout, additivity and errors.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {


using testing::Compressed;
using testing::expect_equal_bits;
using testing::expect_error;
using testing::expect_matrix_near;

TEST(SummaryStats, MatchesFlashmmOnS1) {
  const SummaryStats& s = testing::s1_main_stats("sam");
  EXPECT_EQ(s.n, 4000);
  const double tol = 1e-12;
  auto ref = [](const char* f) { return testing::read_named_matrix(testing::data_path(f)); };
  const auto xx = ref("s1_ss_XX.csv"), xy = ref("s1_ss_XY.csv"), zx = ref("s1_ss_ZX.csv"), zy = ref("s1_ss_ZY.csv"),
             zz = ref("s1_ss_ZZ.csv"), yn = ref("s1_ss_Ynorm.csv");
  EXPECT_EQ(xx.row_names, s.fixed_names);
  EXPECT_EQ(zx.row_names, s.random_names);
  EXPECT_EQ(xy.col_names, s.gene_names);
  expect_matrix_near(s.XX, xx.values, tol, "XX");
  expect_matrix_near(s.XY, xy.values, tol, "XY");
  expect_matrix_near(s.ZX, zx.values, tol, "ZX");
  expect_matrix_near(s.ZY, zy.values, tol, "ZY");
  expect_matrix_near(s.ZZ, zz.values, tol, "ZZ");
  expect_matrix_near(s.Ynorm, yn.values.col(0), tol, "Ynorm");
}

TEST(SummaryStats, DenseCsrAndCscGiveTheSameBits) {
  const auto design = testing::s1_design("main", "sam+batch");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const Compressed<double> csr = testing::s1_csr<double>(), csc = testing::compress<double>(y, false);
  SummaryStatsAccumulator dense(testing::s1_shape(design), Transform::log2p1), a(testing::s1_shape(design), Transform::log2p1),
      b(testing::s1_shape(design), Transform::log2p1);
  dense.add(design.X, design.Z, y);
  a.add(design.X, design.Z, csr.view<CsrView<double>>(y.rows(), y.cols()));
  b.add(design.X, design.Z, csc.view<CscView<double>>(y.rows(), y.cols()));
  expect_equal_bits(dense.stats(), a.stats());
  expect_equal_bits(dense.stats(), b.stats());

  // Integer and float counts read the same.
  const Compressed<float> f = testing::s1_csr<float>();
  const Compressed<std::int32_t> i32 = testing::s1_csr<std::int32_t>();
  EXPECT_EQ(f.indptr, csr.indptr);
  EXPECT_EQ(i32.indices, csr.indices);
  const auto vf = f.view<CsrView<float>>(y.rows(), y.cols());
  const auto vi = i32.view<CsrView<std::int32_t>>(y.rows(), y.cols());
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
  expect_matrix_near(plain.stats().XY, design.X.transpose() * logy, 1e-13, "XY");
  expect_matrix_near(plain.stats().Ynorm, logy.colwise().squaredNorm().transpose(), 1e-13, "Ynorm");
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
  expect_matrix_near(whole.XY, merged.XY, 1e-13, "XY");
  expect_matrix_near(whole.ZY, merged.ZY, 1e-13, "ZY");
  expect_matrix_near(whole.Ynorm, merged.Ynorm, 1e-13, "Ynorm");
  expect_matrix_near(whole.XX, merged.XX, 1e-13, "XX");
}

TEST(SummaryStats, ThreadCountDoesNotChangeABit) {
  const auto design = testing::s1_design("main", "sam+batch");
  expect_equal_bits(testing::s1_stats(design, 1), testing::s1_stats(design, 3));
}

TEST(SummaryStats, MergeRejectsDifferentShapesOrNames) {
  SummaryStats a = testing::s1_main_stats("sam");
  SummaryStats b = a;
  b.gene_names[4] = "Other";
  expect_error<InputError>([&] { a.merge(b); }, {"gene 5 is 'Gene5' in one and 'Other'"});
  SummaryStats c = testing::s1_main_stats("sam+batch");
  EXPECT_THROW(a.merge(c), InputError);
}

TEST(SummaryStatsErrors, BadValuesNameTheGeneAndCell) {
  const auto design = testing::s1_design("main", "sam");
  Eigen::MatrixXd y = testing::s1().counts;
  y(10, 3) = NAN;
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, y); },
                     {"Gene4", "cell 11", "not finite"});
  y(10, 3) = INFINITY;
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::none).add(design.X, design.Z, y); },
                     {"Gene4", "not finite"});
  y(10, 3) = -2;
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, y); },
                     {"Gene4", "cell 11", "not a count", "transform 'none'", "another layer, or raw"});
  // A log-normalised value is refused the same way, with its position in the error's fields.
  y(10, 3) = 0.6931471805599453;
  try {
    SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, y);
    ADD_FAILURE() << "a non-integer value was accepted under log2p1";
  } catch (const ExpressionValueError& e) {
    EXPECT_EQ(e.cell, 10);
    EXPECT_EQ(e.gene, 3);
    EXPECT_EQ(e.value, 0.6931471805599453);
    EXPECT_NE(std::string(e.what()).find("not a count"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(SummaryStatsAccumulator(testing::s1_shape(design), Transform::none).add(design.X, design.Z, y));
  y(10, 3) = -2;
  // Negative values are fine without the log transform (already-normalised data).
  EXPECT_NO_THROW(SummaryStatsAccumulator(testing::s1_shape(design), Transform::none).add(design.X, design.Z, y));
}

TEST(SummaryStatsErrors, MismatchedDimensions) {
  const auto design = testing::s1_design("main", "sam");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const Eigen::MatrixXd fewer_cells = y.topRows(100);
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, fewer_cells); },
                     {"100 cells", "X has 4000 rows"});
  const Eigen::MatrixXd fewer_genes = y.leftCols(10);
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(design.X, design.Z, fewer_genes); },
                     {"10 columns (genes), expected 60"});
  RowMatrixXd X = design.X;
  X(5, 0) = NAN;
  expect_error<InputError>([&] { SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1).add(X, design.Z, y); },
                     {"log(libsize)", "cell 6"});
  Compressed<double> csr = testing::s1_csr<double>();
  csr.indices[3] = 99;
  expect_error<InputError>(
      [&] {
        SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1)
            .add(design.X, design.Z, csr.view<CsrView<double>>(y.rows(), y.cols()));
      },
      {"index 99 out of range"});
}

}  // namespace
}  // namespace flashmm
