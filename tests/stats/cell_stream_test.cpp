// Streaming cells through a design: chunking, dropped cells and shards.
#include <flashmm/error.hpp>
#include <flashmm/metadata_csv.hpp>
#include <flashmm/cell_stream.hpp>

#include <gtest/gtest.h>

#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"
#include "support/s1.hpp"

namespace flashmm {
namespace {

struct Csr {
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  CsrView<double> view(Index genes) const {
    CsrView<double> v;
    v.rows = static_cast<Index>(indptr.size()) - 1;
    v.cols = genes;
    v.indptr = indptr;
    v.indices = indices;
    v.values = values;
    return v;
  }
};

Csr rows_of(const Eigen::MatrixXd& y, Index begin, Index end) {
  Csr c;
  for (Index i = begin; i < end; ++i) {
    for (Index g = 0; g < y.cols(); ++g)
      if (y(i, g) != 0) {
        c.indices.push_back(static_cast<std::int32_t>(g));
        c.values.push_back(y(i, g));
      }
    c.indptr.push_back(static_cast<std::int64_t>(c.values.size()));
  }
  return c;
}

const char* kFixed = "~ 0 + log(libsize) + cls + cls:trt";

SummaryStats stream(const DesignBuilder& design, Index chunk, Index from = 0, Index to = -1) {
  const auto& s1 = testing::s1();
  const Index n = s1.counts.rows();
  if (to < 0) to = n;
  CellStreamAccumulator acc(design, s1.genes, Transform::log2p1);
  acc.skip(from);
  for (Index c0 = from; c0 < to; c0 += chunk) {
    const Index c1 = std::min(to, c0 + chunk);
    acc.add(c0, rows_of(s1.counts, c0, c1).view(s1.counts.cols()));
  }
  acc.skip(n - to);
  return acc.finish();
}

TEST(ModelStats, ChunkedStreamEqualsOneChunkAndTheHandBuiltDesign) {
  const Metadata& meta = testing::s1_metadata();
  const DesignBuilder design(meta, kFixed, {"~ 0 + sam"});
  const SummaryStats whole = stream(design, 4000);
  const SummaryStats reference = testing::s1_stats(testing::s1_design("main", "sam"));
  EXPECT_EQ(whole.XY, reference.XY);
  EXPECT_EQ(whole.ZY, reference.ZY);
  EXPECT_EQ(whole.XX, reference.XX);
  EXPECT_EQ(whole.fixed_names, reference.fixed_names);
  const SummaryStats chunked = stream(design, 333);
  EXPECT_EQ(chunked.n, 4000);
  // The chunks do not change a bit (fixed accumulation blocks).
  EXPECT_EQ(chunked.XY, whole.XY);
  EXPECT_EQ(chunked.ZY, whole.ZY);
  EXPECT_EQ(chunked.XX, whole.XX);
  EXPECT_EQ(chunked.Ynorm, whole.Ynorm);
  EXPECT_EQ(chunked.Ysum, whole.Ysum);
  EXPECT_EQ(chunked.nnz, whole.nnz);
}

TEST(ModelStats, ShardsOfCellsMergeToTheWhole) {
  const Metadata& meta = testing::s1_metadata();
  const DesignBuilder design(meta, kFixed, {"~ 0 + sam", "~ 0 + batch"});
  SummaryStats a = stream(design, 4000, 0, 2000);
  const SummaryStats b = stream(design, 4000, 2000, 4000);
  EXPECT_EQ(a.n, 2000);
  a.merge(b);
  // The shards split one accumulation block (kCellBlock cells), so they agree with one stream
  // to rounding; tests/stats/summary_stats_test.cpp checks the bits at block boundaries.
  CellStreamAccumulator acc(design, testing::s1().genes, Transform::log2p1);
  acc.add(0, rows_of(testing::s1().counts, 0, 2000).view(60));
  acc.add(2000, rows_of(testing::s1().counts, 2000, 4000).view(60));
  const SummaryStats two_chunks = acc.finish();
  EXPECT_TRUE(a.XY.isApprox(two_chunks.XY, 1e-13));
  EXPECT_TRUE(a.ZY.isApprox(two_chunks.ZY, 1e-13));
  EXPECT_EQ(a.ZZ, two_chunks.ZZ);  // counts: exact
  EXPECT_TRUE(a.Ynorm.isApprox(two_chunks.Ynorm, 1e-13));
  EXPECT_EQ(a.nnz, two_chunks.nnz);
  EXPECT_TRUE(a.Ysum.isApprox(two_chunks.Ysum, 1e-13));
}

TEST(ModelStats, CellsWithMissingMetadataAreDroppedFromTheExpressionToo) {
  Metadata meta = testing::s1_metadata();
  // Blank the sample of cells 10 and 3001 (0-based 9 and 3000).
  for (auto& c : meta.columns)
    if (c.name == "sam") {
      ASSERT_EQ(c.kind, MetadataColumn::Kind::string);
      if (c.missing.empty()) c.missing.assign(c.strings.size(), 0);
      c.missing[9] = c.missing[3000] = 1;
    }
  const DesignBuilder design(meta, kFixed, {"~ 0 + sam"});
  ASSERT_EQ(design.n_used_cells(), 3998);
  const SummaryStats s = stream(design, 700);
  EXPECT_EQ(s.n, 3998);
  // The same as removing those cells' rows by hand.
  const auto& y = testing::s1().counts;
  Eigen::VectorXd ynorm = Eigen::VectorXd::Zero(y.cols());
  for (Index i = 0; i < y.rows(); ++i)
    if (i != 9 && i != 3000)
      for (Index g = 0; g < y.cols(); ++g) ynorm(g) += std::pow(std::log2(1 + y(i, g)), 2);
  EXPECT_TRUE(s.Ynorm.isApprox(ynorm, 1e-12));
}

TEST(ModelStats, OutOfOrderOrIncompleteStreamsAreErrors) {
  const Metadata& meta = testing::s1_metadata();
  const DesignBuilder design(meta, kFixed, {"~ 0 + sam"});
  CellStreamAccumulator acc(design, testing::s1().genes, Transform::log2p1);
  EXPECT_THROW(acc.add(10, rows_of(testing::s1().counts, 10, 20).view(60)), InputError);
  acc.add(0, rows_of(testing::s1().counts, 0, 100).view(60));
  try {
    acc.finish();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ended after 100 cells but the metadata has 4000 rows"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace flashmm
