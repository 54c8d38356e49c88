// The s1 counts in every stored format read to the same matrix, whatever the chunk size.
#include "io/io_test_util.hpp"
#include "support/fixture.hpp"

#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

namespace flashmm::testing {
namespace {

struct Source {
  const char* name;
  std::string path;
  io::ReaderOptions options;
};

std::vector<Source> s1_sources() {
  io::ReaderOptions mtx;
  mtx.genes_file = data_path("s1_genes.txt");
  mtx.cells_file = data_path("s1_cells.txt");
  return {{"h5ad", data_path("s1.h5ad"), {}},
          {"10x_dir", data_path("s1_10x"), {}},
          {"mtx", data_path("s1_counts.mtx.gz"), mtx}};
}

TEST(MatrixReader, S1FormatsMatchTheMatrixMarketCountsForEveryChunkSize) {
  const WholeMatrix ref = reference_s1();
  ASSERT_EQ(ref.genes.size(), 60u);
  ASSERT_EQ(ref.cells.size(), 4000u);
  for (const auto& src : s1_sources()) {
    auto r = io::open_matrix(src.path, src.options);
    EXPECT_EQ(r->n_cells(), 4000) << src.name;
    EXPECT_EQ(r->n_genes(), 60) << src.name;
    for (Index chunk : {Index{1}, Index{7}, Index{1000}, Index{100000}}) {
      r->rewind();
      const WholeMatrix m = gather(*r, chunk);
      EXPECT_EQ(m.genes, ref.genes) << src.name << " chunk " << chunk;
      EXPECT_EQ(m.cells, ref.cells) << src.name << " chunk " << chunk;
      EXPECT_EQ(m.indptr, ref.indptr) << src.name << " chunk " << chunk;
      EXPECT_EQ(m.indices, ref.indices) << src.name << " chunk " << chunk;
      EXPECT_EQ(m.values, ref.values) << src.name << " chunk " << chunk;
    }
  }
}

TEST(MatrixReader, ChunkAfterTheEndIsEmptyAndRewindStartsOver) {
  auto r = io::open_matrix(data_path("s1.h5ad"));
  io::CellChunk c;
  ASSERT_TRUE(r->next_chunk(c, 4000));
  EXPECT_EQ(c.n_cells, 4000);
  EXPECT_FALSE(r->next_chunk(c, 10));
  EXPECT_EQ(c.n_cells, 0);
  EXPECT_TRUE(c.values.empty());
  r->rewind();
  ASSERT_TRUE(r->next_chunk(c, 3));
  EXPECT_EQ(c.first_cell, 0);
  EXPECT_EQ(c.n_cells, 3);
}

TEST(MatrixReader, GeneColumnOfTenxDirectorySelectsIds) {
  io::ReaderOptions o;
  o.gene_column = "id";
  auto r = io::open_matrix(data_path("s1_10x"), o);
  EXPECT_EQ(r->gene_names().front(), "Gene1");  // the fixture's ids equal its names
}

}  // namespace
}  // namespace flashmm::testing
