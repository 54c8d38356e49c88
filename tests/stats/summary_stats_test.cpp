// Summary statistics: the s1 reference values, every input layout, additivity and errors.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

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

// Accumulates cells [c0, c1) of s1 in chunks of `chunk` cells into acc (numbered from c0).
void add_rows(SummaryStatsAccumulator& acc, const testing::S1Design& design, Index c0, Index c1, Index chunk) {
  const Eigen::MatrixXd& y = testing::s1().counts;
  acc.set_first_cell(c0);
  for (Index a = c0; a < c1; a += chunk) {
    const Index b = std::min(c1, a + chunk);
    acc.add(RowMatrixXd(design.X.middleRows(a, b - a)), SparseRowMatrix(design.Z.middleRows(a, b - a)),
            Eigen::MatrixXd(y.middleRows(a, b - a)));
  }
}

// Blocks of 500 cells: the chunks do not change a bit, and shards that start on block
// boundaries merge, in any order, to the bits of one stream; a shard boundary inside a block
// agrees to rounding.
TEST(SummaryStats, ShardsOnBlockBoundariesMergeToTheBitsOfOneStream) {
  const auto design = testing::s1_design("main", "sam+batch");
  const Index block = 500, n = testing::s1().counts.rows();
  auto accumulator = [&] { return SummaryStatsAccumulator(testing::s1_shape(design), Transform::log2p1, 0, block); };
  SummaryStatsAccumulator one = accumulator();
  add_rows(one, design, 0, n, n);
  const SummaryStats all = one.release();
  for (Index chunk : {Index{1}, Index{333}, Index{777}, Index{2000}}) {
    SummaryStatsAccumulator acc = accumulator();
    add_rows(acc, design, 0, n, chunk);
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    expect_equal_bits(all, acc.release());
  }
  // Three shards, merged in two orders.
  const Index cuts[] = {0, 1500, 2000, n};
  std::vector<SummaryStats> shards;
  for (int i = 0; i < 3; ++i) {
    SummaryStatsAccumulator acc = accumulator();
    add_rows(acc, design, cuts[i], cuts[i + 1], 777);
    shards.push_back(acc.release());
  }
  SummaryStats forward = shards[0];
  forward.merge(shards[1]);
  forward.merge(shards[2]);
  expect_equal_bits(all, forward);
  SummaryStats backward = shards[2];
  backward.merge(shards[0]);
  backward.merge(shards[1]);
  expect_equal_bits(all, backward);

  // A shard boundary inside a block: the same to rounding.
  SummaryStatsAccumulator sa = accumulator(), sb = accumulator();
  add_rows(sa, design, 0, 1731, 1731);
  add_rows(sb, design, 1731, n, n);
  SummaryStats merged = sa.release();
  merged.merge(sb.release());
  expect_matrix_near(all.XY, merged.XY, 1e-13, "XY");
  expect_matrix_near(all.ZY, merged.ZY, 1e-13, "ZY");
  expect_matrix_near(all.Ynorm, merged.Ynorm, 1e-13, "Ynorm");
  expect_matrix_near(all.XX, merged.XX, 1e-13, "XX");
}

// Ysum and nnz against their definitions.
TEST(SummaryStats, YsumAndNnzAreTheSumsOfYAndTheNonzeroCells) {
  const auto design = testing::s1_design("main", "sam");
  const Eigen::MatrixXd& y = testing::s1().counts;
  const SummaryStats s = testing::s1_stats(design);
  const Eigen::MatrixXd logy = y.unaryExpr([](double v) { return std::log2(1.0 + v); });
  expect_matrix_near(s.Ysum, logy.colwise().sum().transpose(), 1e-13, "Ysum");
  for (Index g = 0; g < y.cols(); ++g) EXPECT_EQ(s.nnz(g), (y.col(g).array() != 0.0).count()) << g;
  EXPECT_GT(s.nnz.sum(), 0);
  // Additive under merge.
  SummaryStats twice = s;
  twice.merge(s);
  EXPECT_EQ(twice.nnz, (2 * s.nnz).eval());
  expect_matrix_near(twice.Ysum, 2 * s.Ysum, 1e-15, "Ysum");
}

// A stored zero is not a nonzero value, and contributes nothing.
TEST(SummaryStats, StoredZerosAreNotCounted) {
  const auto design = testing::s1_design("main", "sam");
  const Eigen::MatrixXd& y = testing::s1().counts;
  Compressed<double> csr = testing::s1_csr<double>();
  const SummaryStats ref = testing::s1_stats(design);
  // Add an explicit zero to every row's first stored entry's place: rebuild with zeros kept.
  Compressed<double> with_zeros;
  with_zeros.indptr = {0};
  for (Index i = 0; i < y.rows(); ++i) {
    for (Index g = 0; g < y.cols(); ++g)
      if (y(i, g) != 0 || g == 0) {
        with_zeros.indices.push_back(static_cast<std::int32_t>(g));
        with_zeros.values.push_back(y(i, g));
      }
    with_zeros.indptr.push_back(static_cast<std::int64_t>(with_zeros.values.size()));
  }
  ASSERT_GT(with_zeros.values.size(), csr.values.size());
  SummaryStatsAccumulator acc(testing::s1_shape(design), Transform::log2p1);
  acc.add(design.X, design.Z, with_zeros.view<CsrView<double>>(y.rows(), y.cols()));
  const SummaryStats s = acc.release();
  EXPECT_EQ(s.nnz, ref.nnz);
  EXPECT_EQ(s.XY, ref.XY);
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
