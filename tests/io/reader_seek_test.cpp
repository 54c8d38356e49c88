// MatrixReader::seek (a shard of cells, a rank of an MPI job): the cells from where it jumps are
// the cells a reader hands out when read from the start, in every format (readers that jump:
// h5ad CSR and dense, dense text; the others read up to there).
#include "io/io_test_util.hpp"
#include "support/fixture.hpp"

#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

namespace flashmm::testing {
namespace {

// Cells [first, first + n) of the whole matrix m, as a chunk would hold them.
io::CellChunk cells_of(const WholeMatrix& m, Index first, Index n) {
  io::CellChunk c;
  c.first_cell = first;
  c.n_cells = n;
  const auto a = m.indptr[static_cast<std::size_t>(first)], b = m.indptr[static_cast<std::size_t>(first + n)];
  for (Index i = 0; i <= n; ++i) c.indptr.push_back(m.indptr[static_cast<std::size_t>(first + i)] - a);
  c.indices.assign(m.indices.begin() + a, m.indices.begin() + b);
  c.values.assign(m.values.begin() + a, m.values.begin() + b);
  return c;
}

TEST(ReaderSeek, TheNextChunkStartsAtTheCellSoughtInEveryFormat) {
  io::ReaderOptions mtx;
  mtx.genes_file = data_path("s1_genes.txt");
  mtx.cells_file = data_path("s1_cells.txt");
  for (const auto& [path, options] : {std::pair{data_path("s1.h5ad"), io::ReaderOptions{}},
                                      std::pair{data_path("s1_counts.mtx.gz"), mtx},
                                      std::pair{data_path("s1_10x"), io::ReaderOptions{}}}) {
    SCOPED_TRACE(path);
    auto r = io::open_matrix(path, options);
    const WholeMatrix all = gather(*r, 1000);
    io::CellChunk chunk;
    for (const Index at : {Index{0}, Index{1}, Index{1234}, Index{3999}}) {
      SCOPED_TRACE(at);
      r->seek(at);
      ASSERT_TRUE(r->next_chunk(chunk, 500));
      const io::CellChunk want = cells_of(all, at, std::min<Index>(500, r->n_cells() - at));
      EXPECT_EQ(chunk.first_cell, want.first_cell);
      EXPECT_EQ(chunk.n_cells, want.n_cells);
      EXPECT_EQ(chunk.indptr, want.indptr);
      EXPECT_EQ(chunk.indices, want.indices);
      EXPECT_EQ(chunk.values, want.values);
    }
    r->seek(r->n_cells());  // the end: nothing left
    EXPECT_FALSE(r->next_chunk(chunk, 10));
    EXPECT_THROW(r->seek(r->n_cells() + 1), InputError);
  }
}

// MatrixReader::prefetch is a hint only: whatever comes next (the block hinted, another size, a
// seek), the chunks are the cells read from the start. (s1.h5ad is compressed: its reader
// decodes a hinted block of enough entries in the background.)
TEST(ReaderSeek, PrefetchChangesNothingThatIsRead) {
  for (const std::string& path : {data_path("s1.h5ad"), data_path("s1_10x")}) {
    SCOPED_TRACE(path);
    auto whole = io::open_matrix(path, {});
    const WholeMatrix all = gather(*whole, 1000);
    const Index n = whole->n_cells();
    auto expect_chunk = [&](const io::CellChunk& chunk, Index first, Index cells) {
      const io::CellChunk want = cells_of(all, first, std::min<Index>(cells, n - first));
      EXPECT_EQ(chunk.first_cell, want.first_cell);
      EXPECT_EQ(chunk.n_cells, want.n_cells);
      EXPECT_EQ(chunk.indptr, want.indptr);
      EXPECT_EQ(chunk.indices, want.indices);
      EXPECT_EQ(chunk.values, want.values);
    };
    io::CellChunk chunk;
    auto r = io::open_matrix(path, {});
    r->prefetch(n);  // the block asked for next
    ASSERT_TRUE(r->next_chunk(chunk, n));
    expect_chunk(chunk, 0, n);
    r->rewind();
    r->prefetch(3000);  // another size is asked for
    ASSERT_TRUE(r->next_chunk(chunk, 700));
    expect_chunk(chunk, 0, 700);
    r->prefetch(3000);  // then a seek
    r->seek(1234);
    ASSERT_TRUE(r->next_chunk(chunk, 3000));
    expect_chunk(chunk, 1234, 3000);
    r->prefetch(10);  // and nothing is left to hint at
    EXPECT_FALSE(r->next_chunk(chunk, 10));
  }
}

}  // namespace
}  // namespace flashmm::testing
