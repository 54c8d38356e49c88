// The cell-major accumulation of CSR chunks (host/stats/cell_major_sums.cpp) against the
// gene-major one, on s1 (log2(1 + counts), 60 genes x 4000 cells) in blocks of 500 cells: the same
// bits for any threads, blocks per chunk and slices of genes; rows whose genes are unsorted or
// repeated; a bad value reported as the gene-major path reports it, leaving the statistics as
// they were.
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "stats/cell_major_sums.hpp"
#include "support/expect.hpp"
#include "support/s1.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace flashmm {
namespace {

using testing::Compressed;
using testing::expect_equal_bits;

constexpr Index kBlock = 500;

template <class T>
CsrView<T> rows_of(const Compressed<T>& y, Index genes, Index c0, Index c1, std::vector<std::int64_t>& indptr) {
  return csr_rows<T>(y.indptr, y.indices, y.values, genes, c0, c1, indptr);
}

// Adds cells [c0, c1) of y and of the design.
template <class T>
void add_cells(SummaryStatsAccumulator& acc, const testing::S1Design& d, const Compressed<T>& y, Index c0, Index c1) {
  std::vector<std::int64_t> indptr;
  acc.add(RowMatrixXd(d.X.middleRows(c0, c1 - c0)), SparseRowMatrix(d.Z.middleRows(c0, c1 - c0)),
          rows_of(y, testing::s1().counts.cols(), c0, c1, indptr));
}

template <class T>
SummaryStats in_chunks(const testing::S1Design& d, const Compressed<T>& y, Index chunk, int threads,
                       Transform t = Transform::log2p1) {
  SummaryStatsAccumulator acc(testing::s1_shape(d), t, threads, kBlock);
  const Index n = static_cast<Index>(y.indptr.size()) - 1;
  for (Index c0 = 0; c0 < n; c0 += chunk) add_cells(acc, d, y, c0, std::min(n, c0 + chunk));
  return acc.release();
}

void expect_same_exact_sums(const SummaryStats& a, const SummaryStats& b) {
  EXPECT_EQ(a.exact.limbs(), b.exact.limbs());
  EXPECT_EQ(a.exact.tops(), b.exact.tops());
}

TEST(CellMajorSums, SameBitsAsTheGeneMajorPath) {
  const testing::S1Design d = testing::s1_design("main", "sam+batch");
  const Compressed<double> y = testing::s1_csr<double>();
  const SummaryStats shape = testing::s1_shape(d);
  // Chunks of 1000 cells (two blocks) and more take the cell-major path, chunks of 20 cells the
  // gene-major one (the CSC input always does).
  ASSERT_TRUE(detail::cell_major_pays(shape, static_cast<std::size_t>(y.indptr[1000])));
  ASSERT_FALSE(detail::cell_major_pays(shape, static_cast<std::size_t>(y.indptr[20])));
  const Compressed<double> csc = testing::compress<double>(testing::s1().counts, false);
  SummaryStatsAccumulator gene_major(shape, Transform::log2p1, 1, kBlock);
  gene_major.add(d.X, d.Z, csc.view<CscView<double>>(testing::s1().counts.rows(), testing::s1().counts.cols()));
  const SummaryStats ref = gene_major.release();
  // One thread; blocks on threads (8 blocks, 3 threads); blocks split into slices of genes
  // (2 blocks, 5 threads); chunks that cut blocks (750 cells); a mix of both paths.
  for (auto [chunk, threads] : {std::pair<Index, int>{4000, 1}, {4000, 3}, {1000, 5}, {750, 2}, {20, 2}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk) + ", threads " + std::to_string(threads));
    const SummaryStats s = in_chunks(d, y, chunk, threads);
    expect_equal_bits(s, ref);
    expect_same_exact_sums(s, ref);
    EXPECT_EQ(s.nnz, ref.nnz);
  }
  SummaryStatsAccumulator mixed(shape, Transform::log2p1, 2, kBlock);
  add_cells(mixed, d, y, 0, 30);      // gene-major: leaves genes open in block 0
  add_cells(mixed, d, y, 30, 2600);   // cell-major: continues them, closes blocks 0-4
  add_cells(mixed, d, y, 2600, 2610); // gene-major again
  add_cells(mixed, d, y, 2610, 4000);
  const SummaryStats m = mixed.release();
  expect_equal_bits(m, ref);
  expect_same_exact_sums(m, ref);
}

// Cells with more design columns than the fused pass takes (dense covariates: a pass over the
// cell's values per column) and with fewer: the same bits as the gene-major path either way.
TEST(CellMajorSums, CellsWithManyDesignColumns) {
  testing::S1Design d = testing::s1_design("main", "sam");
  const Index n = d.X.rows(), p0 = d.X.cols();
  for (int extra : {2, 20}) {
    SCOPED_TRACE(std::to_string(extra) + " dense columns added");
    testing::S1Design wide = d;
    wide.X.conservativeResize(n, p0 + extra);
    for (Index j = 0; j < extra; ++j) {
      for (Index i = 0; i < n; ++i) wide.X(i, p0 + j) = std::sin(0.37 * static_cast<double>(i + 1) * static_cast<double>(j + 1));
      wide.fixed_names.push_back("dense" + std::to_string(j));
    }
    const Compressed<double> y = testing::s1_csr<double>();
    const SummaryStats ref = in_chunks(wide, y, 1, 1);  // cells one by one: the gene-major path
    ASSERT_TRUE(detail::cell_major_pays(testing::s1_shape(wide), static_cast<std::size_t>(y.indptr[4000])));
    for (int threads : {1, 3}) {
      const SummaryStats s = in_chunks(wide, y, 4000, threads);
      expect_equal_bits(s, ref);
      expect_same_exact_sums(s, ref);
    }
  }
}

TEST(CellMajorSums, RowsWithUnsortedOrRepeatedGenes) {
  const testing::S1Design d = testing::s1_design("main", "sam");
  Compressed<double> y = testing::s1_csr<double>();
  // Every third row reversed, and in every fifth its first entry split in two of the same gene.
  Compressed<double> odd;
  const Index n = static_cast<Index>(y.indptr.size()) - 1;
  for (Index i = 0; i < n; ++i) {
    std::vector<std::pair<std::int32_t, double>> row;
    for (auto e = y.indptr[static_cast<std::size_t>(i)]; e < y.indptr[static_cast<std::size_t>(i) + 1]; ++e)
      row.emplace_back(y.indices[static_cast<std::size_t>(e)], y.values[static_cast<std::size_t>(e)]);
    if (i % 3 == 0) std::reverse(row.begin(), row.end());
    if (i % 5 == 0 && !row.empty()) {
      row.front().second -= 0.25;
      row.insert(row.begin() + 1, {row.front().first, 0.25});
    }
    for (const auto& [g, v] : row) {
      odd.indices.push_back(g);
      odd.values.push_back(v);
    }
    odd.indptr.push_back(static_cast<std::int64_t>(odd.values.size()));
  }
  // Cells one by one take the gene-major path, which adds a cell's entries in stored order too.
  const SummaryStats ref = in_chunks(d, odd, 1, 1, Transform::none);
  for (int threads : {1, 3}) {
    const SummaryStats s = in_chunks(d, odd, 4000, threads, Transform::none);
    expect_equal_bits(s, ref);
    expect_same_exact_sums(s, ref);
  }
}

TEST(CellMajorSums, BadValueIsReportedAsTheGeneMajorPathDoesAndChangesNothing) {
  const testing::S1Design d = testing::s1_design("main", "sam");
  const SummaryStats shape = testing::s1_shape(d);
  Compressed<double> y = testing::s1_csr<double>();
  // Two bad values in different blocks: the first in stored order is the one reported.
  const auto first = static_cast<std::size_t>(y.indptr[2600] + 1), second = static_cast<std::size_t>(y.indptr[3700]);
  y.values[first] = 0.5;
  y.values[second] = -1.0;
  auto message = [&](Index chunk) {
    SummaryStatsAccumulator acc(shape, Transform::log2p1, 2, kBlock);
    add_cells(acc, d, y, 0, 2000);
    const SummaryStats before = acc.stats();
    std::string what;
    try {
      for (Index c0 = 2000; c0 < 4000; c0 += chunk) add_cells(acc, d, y, c0, std::min<Index>(4000, c0 + chunk));
      ADD_FAILURE() << "a bad value was accepted";
    } catch (const ExpressionValueError& e) {
      EXPECT_EQ(e.cell, 2600);
      EXPECT_EQ(e.gene, y.indices[first]);
      EXPECT_EQ(e.value, 0.5);
      what = e.what();
    }
    if (chunk == 2000) {
      // Nothing of the refused chunk was added: the statistics are those of cells 0 to 1999.
      expect_equal_bits(acc.stats(), before);
      expect_same_exact_sums(acc.release(), [&] {
        SummaryStatsAccumulator ref(shape, Transform::log2p1, 1, kBlock);
        add_cells(ref, d, y, 0, 2000);
        return ref.release();
      }());
    }
    return what;
  };
  const std::string cell_major = message(2000), gene_major = message(1);
  EXPECT_FALSE(cell_major.empty());
  EXPECT_EQ(cell_major, gene_major);
  EXPECT_NE(cell_major.find("not a count"), std::string::npos) << cell_major;
}

}  // namespace
}  // namespace flashmm
