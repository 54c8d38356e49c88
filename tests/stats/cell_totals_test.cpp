// libsize and nfeatures that the metadata lacks (issue 11.4): computed chunk by chunk from each
// chunk's own cells, so formulas such as log(libsize) read the data once; only a statistic over
// all cells (scale(libsize), a subset on libsize) needs a first pass. Passes are counted on the
// reader.
#include <flashmm/cell_stream.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"
#include "support/s1.hpp"

#include <algorithm>

namespace flashmm {
namespace {

// Counts how often the reader starts over from its first cell.
class CountingReader : public io::MatrixReader {
 public:
  explicit CountingReader(std::unique_ptr<io::MatrixReader> inner) : inner_(std::move(inner)) {}
  Index n_cells() const override { return inner_->n_cells(); }
  Index n_genes() const override { return inner_->n_genes(); }
  const std::vector<std::string>& gene_names() const override { return inner_->gene_names(); }
  const std::vector<std::string>& cell_ids() const override { return inner_->cell_ids(); }
  const std::string& path() const override { return inner_->path(); }
  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    const bool got = inner_->next_chunk(chunk, max_cells);
    if (got && at_start_) ++passes;
    at_start_ = false;
    return got;
  }
  void rewind() override {
    inner_->rewind();
    at_start_ = true;
    ++rewinds;
  }
  int passes = 0, rewinds = 0;

 private:
  std::unique_ptr<io::MatrixReader> inner_;
  bool at_start_ = true;
};

CountingReader open_s1() { return CountingReader(io::open_matrix(testing::data_path("s1_10x"))); }

// s1's metadata without its libsize column (which is not the total of s1's 60 genes).
Metadata without_libsize() {
  Metadata md = testing::s1_metadata();
  std::erase_if(md.columns, [](const MetadataColumn& c) { return c.name == "libsize"; });
  return md;
}


const std::string kFixed = "~ 0 + log(libsize) + I(nfeatures / 10) + cls + cls:trt";

TEST(CellTotals, PerCellFunctionsReadTheDataOnce) {
  const Metadata md = without_libsize();
  const CellTotalsUse use = cell_totals_use(md, kFixed, {"(1 | sam)"});
  EXPECT_EQ(use.per_cell, (std::vector<std::string>{"libsize", "nfeatures"}));
  EXPECT_TRUE(use.all_cells.empty());

  CountingReader reader = open_s1();
  ASSERT_EQ(reader.cell_ids(), md.cell_ids);
  DesignOptions opt;
  opt.cell_totals_from_data = true;
  const DesignBuilder design(md, kFixed, {"(1 | sam)"}, opt);
  EXPECT_TRUE(design.needs_cell_totals());
  CellStreamAccumulator acc(design, reader.gene_names(), Transform::log2p1);
  const SummaryStats one_pass = accumulate_cells(reader, acc, 777);
  EXPECT_EQ(reader.passes, 1);
  EXPECT_EQ(reader.rewinds, 0);

  // The same numbers as with the totals in the metadata, computed in a pass of their own.
  CountingReader first = open_s1();
  const CellTotalColumns totals = compute_cell_totals(first, 1000);
  EXPECT_EQ(first.passes, 1);
  EXPECT_EQ(first.rewinds, 1);
  Metadata with = md;
  MetadataColumn lib{"libsize"}, nf{"nfeatures"};
  lib.numbers = totals.libsize;
  nf.numbers = totals.nfeatures;
  with.columns.push_back(lib);
  with.columns.push_back(nf);
  const DesignBuilder reference(with, kFixed, {"(1 | sam)"});
  EXPECT_FALSE(reference.needs_cell_totals());
  CellStreamAccumulator ref_acc(reference, first.gene_names(), Transform::log2p1);
  const SummaryStats two_pass = accumulate_cells(first, ref_acc, 777);
  testing::expect_equal_bits(one_pass, two_pass);
  EXPECT_EQ(one_pass.fixed_names, two_pass.fixed_names);
  // libsize is the total of each cell's counts.
  const auto& y = testing::s1().counts;
  for (Index c : {0, 1234, 3999}) {
    EXPECT_EQ(totals.libsize[static_cast<std::size_t>(c)], y.row(c).sum());
    EXPECT_EQ(totals.nfeatures[static_cast<std::size_t>(c)], static_cast<double>((y.row(c).array() != 0).count()));
  }
}

TEST(CellTotals, ChunkByChunkGivesTheSameRowsForAnyChunking) {
  const Metadata md = without_libsize();
  DesignOptions opt;
  opt.cell_totals_from_data = true;
  const DesignBuilder design(md, "~ 0 + log(libsize) + cls", {"(1 | sam)"}, opt);
  const auto& y = testing::s1().counts;
  std::vector<double> lib(4000);
  for (Index c = 0; c < 4000; ++c) lib[static_cast<std::size_t>(c)] = y.row(c).sum();
  RowMatrixXd whole, part;
  SparseRowMatrix z;
  design.build(0, 4000, CellTotals{lib, {}}, whole, z);
  for (Index c = 0; c < 4000; c += 511) {
    const Index e = std::min<Index>(4000, c + 511);
    design.build(c, e, CellTotals{std::span<const double>(lib).subspan(static_cast<std::size_t>(c), static_cast<std::size_t>(e - c)), {}},
                 part, z);
    EXPECT_EQ(part, whole.middleRows(c, e - c));
  }
  EXPECT_EQ(whole(17, 0), std::log(lib[17]));
  // Without the totals, build() says what it needs.
  testing::expect_error<InputError>([&] { design.build(0, 10, whole, z); }, {"cell totals", "each chunk"});
}

TEST(CellTotals, StatisticsOverAllCellsNeedAFirstPass) {
  const Metadata md = without_libsize();
  const CellTotalsUse scaled = cell_totals_use(md, "~ 0 + scale(libsize) + log(nfeatures) + cls", {"(1 | sam)"});
  EXPECT_EQ(scaled.all_cells, std::vector<std::string>{"libsize"});
  EXPECT_EQ(scaled.per_cell, std::vector<std::string>{"nfeatures"});
  EXPECT_EQ(scaled.reasons, std::vector<std::string>{"`scale(libsize)`"});
  const CellTotalsUse subset = cell_totals_use(md, "~ 0 + cls", {"(1 | sam)"}, "libsize > 10");
  EXPECT_EQ(subset.all_cells, std::vector<std::string>{"libsize"});
  EXPECT_EQ(cell_totals_use(md, "~ factor(nfeatures)", {}).all_cells, std::vector<std::string>{"nfeatures"});
  // The design refuses them as chunk-by-chunk totals, with the reason.
  DesignOptions opt;
  opt.cell_totals_from_data = true;
  testing::expect_error<InputError>([&] { DesignBuilder(md, "~ 0 + scale(libsize) + cls", {"(1 | sam)"}, opt); },
                                    {"`scale(libsize)` needs the cell totals of every cell"});
  // With the totals in the metadata (the first pass), the main pass is the second.
  CountingReader reader = open_s1();
  const CellTotalColumns totals = compute_cell_totals(reader, 4000);
  Metadata with = md;
  MetadataColumn lib{"libsize"};
  lib.numbers = totals.libsize;
  with.columns.push_back(lib);
  opt.cell_totals_from_data = !scaled.per_cell.empty();
  const DesignBuilder design(with, "~ 0 + scale(libsize) + log(nfeatures) + cls", {"(1 | sam)"}, opt);
  CellStreamAccumulator acc(design, reader.gene_names(), Transform::log2p1);
  const SummaryStats stats = accumulate_cells(reader, acc, 4000);
  EXPECT_EQ(stats.n, 4000);
  EXPECT_EQ(reader.passes, 2);
}

TEST(CellTotals, AnEmptyCellUnderLogNamesTheCell) {
  // A cell without counts has libsize 0: log() of it is an error naming the cell by its number.
  Metadata md = without_libsize();
  DesignOptions opt;
  opt.cell_totals_from_data = true;
  const DesignBuilder design(md, "~ 0 + log(libsize) + cls", {"(1 | sam)"}, opt);
  std::vector<double> lib(10, 5.0);
  lib[3] = 0;
  RowMatrixXd X;
  SparseRowMatrix Z;
  testing::expect_error<InputError>([&] { design.build(0, 10, CellTotals{lib, {}}, X, Z); },
                                    {"`log(libsize)`: 1 of 10 cells numbered 1 to 10 have a non-positive value "
                                     "(e.g. cell number 4: 0)"});
}

}  // namespace
}  // namespace flashmm
