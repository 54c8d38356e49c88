// Broken inputs give IoError messages that name the file (and line or dataset), never a crash.
#include "io/io_test_util.hpp"
#include "support/fixture.hpp"

#include <flashmm/io/h5ad.hpp>
#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace flashmm::testing {
namespace {

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

io::ReaderOptions names_for(const ScratchDir& d, int genes, int cells) {
  io::ReaderOptions o;
  o.genes_file = d.file("genes.txt");
  o.cells_file = d.file("cells.txt");
  std::ofstream g(o.genes_file), c(o.cells_file);
  for (int i = 0; i < genes; ++i) g << "g" << i << "\n";
  for (int i = 0; i < cells; ++i) c << "c" << i << "\n";
  return o;
}

TEST(ReaderErrors, NonexistentPath) {
  const std::string p = "/nonexistent/dir/cells.h5ad";
  expect_io_error([&] { io::open_matrix(p); }, {p});
  expect_io_error([&] { io::read_h5ad_obs(p); }, {p});
}

TEST(ReaderErrors, TruncatedMtxGzEntries) {
  ScratchDir d("trunc_mtx");
  const auto o = names_for(d, 3, 2);
  const std::string p = d.file("m.mtx.gz");
  write_gz(p, "%%MatrixMarket matrix coordinate integer general\n3 2 4\n1 1 5\n2 1 3\n3 2 1\n");
  expect_io_error([&] { io::open_matrix(p, o); }, {p, "truncated", "4 entries"});
}

TEST(ReaderErrors, TruncatedGzipStream) {
  ScratchDir d("trunc_gz");
  const std::string full = data_path("s1_counts.mtx.gz");
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string p = d.file("cut.mtx.gz");
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  io::ReaderOptions o;
  o.genes_file = data_path("s1_genes.txt");
  o.cells_file = data_path("s1_cells.txt");
  expect_io_error([&] { io::open_matrix(p, o); }, {p});
}

TEST(ReaderErrors, BadMtxLinesNameTheLine) {
  ScratchDir d("bad_mtx");
  const auto o = names_for(d, 3, 2);
  const std::string p = d.file("m.mtx");
  std::ofstream(p) << "%%MatrixMarket matrix coordinate integer general\n% comment\n3 2 2\n1 1 5\n4 1 3\n";
  expect_io_error([&] { io::open_matrix(p, o); }, {p, "line 5", "outside"});
  std::ofstream(p) << "%%MatrixMarket matrix coordinate integer general\n3 2 2\n1 1 5\n2 1 x\n";
  expect_io_error([&] { io::open_matrix(p, o); }, {p, "line 4"});
  std::ofstream(p) << "not a header\n";
  expect_io_error([&] { io::open_matrix(p, o); }, {p, "line 1"});
}

TEST(ReaderErrors, DimensionMismatchWithNameFiles) {
  ScratchDir d("dims");
  const auto o = names_for(d, 59, 4000);
  const std::string p = data_path("s1_counts.mtx.gz");
  io::ReaderOptions s1 = o;
  s1.cells_file = data_path("s1_cells.txt");
  expect_io_error([&] { io::open_matrix(p, s1); }, {p, "60 x 4000", "59 genes", o.genes_file});
}

TEST(ReaderErrors, CorruptH5ad) {
  ScratchDir d("corrupt");
  const std::string p = d.file("random.h5ad");
  std::mt19937 rng(7);
  std::string bytes(4096, '\0');
  for (auto& b : bytes) b = static_cast<char>(rng());
  std::ofstream(p, std::ios::binary) << bytes;
  expect_io_error([&] { io::open_matrix(p); }, {p, "not an HDF5 file"});
  expect_io_error([&] { io::read_h5ad_obs(p); }, {p});
  // A real h5ad cut in half.
  std::ifstream in(data_path("s1.h5ad"), std::ios::binary);
  std::string h5((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = d.file("cut.h5ad");
  std::ofstream(cut, std::ios::binary).write(h5.data(), static_cast<std::streamsize>(h5.size() / 2));
  expect_io_error(
      [&] {
        auto r = io::open_matrix(cut);
        io::CellChunk c;
        while (r->next_chunk(c, 1000)) {
        }
        io::read_h5ad_obs(cut);
      },
      {cut});
}

TEST(ReaderErrors, MissingLayerAndRaw) {
  const std::string p = data_path("s1.h5ad");
  io::ReaderOptions o;
  o.layer = "spliced";
  expect_option_error([&] { io::open_matrix(p, o); }, "layer", {p, "no layer 'spliced'", "layers are: (none)"});
  io::ReaderOptions raw;
  raw.use_raw = true;
  expect_option_error([&] { io::open_matrix(p, raw); }, "use_raw", {p, "no raw data"});
  io::ReaderOptions col;
  col.gene_column = "symbol";
  expect_option_error([&] { io::open_matrix(p, col); }, "gene_column", {p, "no column 'symbol'"});
  io::ReaderOptions both = o;
  both.use_raw = true;
  expect_option_error([&] { io::open_matrix(p, both); }, "use_raw", {p, "a layer and raw both choose"});
}

TEST(ReaderErrors, MtxWithoutNameFilesAndUnknownFormat) {
  const std::string p = data_path("s1_counts.mtx.gz");
  expect_option_error([&] { io::open_matrix(p); }, "genes_file", {p, "file of gene names"});
  io::ReaderOptions genes_only;
  genes_only.genes_file = data_path("s1_genes.txt");
  expect_option_error([&] { io::open_matrix(p, genes_only); }, "cells_file", {p, "file of cell ids"});
  const std::string unknown = data_path("s1_contrast_exprs.txt");  // .txt is dense text: not numbers
  expect_io_error([&] { io::open_matrix(unknown); }, {unknown});
}

TEST(ReaderErrors, IncompleteTenxDirectory) {
  ScratchDir d("tenx_missing");
  write_gz(d.file("matrix.mtx.gz"), "%%MatrixMarket matrix coordinate integer general\n1 1 0\n");
  expect_io_error([&] { io::open_matrix(d.str()); }, {d.str(), "barcodes.tsv", "features.tsv"});
}

TEST(ReaderErrors, UnsortedMtxIsLoadedAndReadCorrectly) {
  ScratchDir d("unsorted");
  const auto o = names_for(d, 3, 3);
  const std::string p = d.file("u.mtx");
  std::ofstream(p) << "%%MatrixMarket matrix coordinate real general\n3 3 4\n3 3 1.5\n2 1 2\n1 3 -4\n1 1 7\n";
  auto r = io::open_matrix(p, o);
  const WholeMatrix m = gather(*r, 2);
  EXPECT_EQ(m.indptr, (std::vector<std::int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(m.indices, (std::vector<std::int32_t>{0, 1, 0, 2}));
  EXPECT_EQ(m.values, (std::vector<double>{7, 2, -4, 1.5}));
}

TEST(ReaderErrors, DenseTextGenesByCells) {
  ScratchDir d("dense_text");
  const std::string p = d.file("counts.csv");
  std::ofstream(p) << "gene,c1,c2,c3\ng1,0,1,2\ng2,3,0,0\n";
  auto r = io::open_matrix(p);
  EXPECT_EQ(r->cell_ids(), (std::vector<std::string>{"c1", "c2", "c3"}));
  EXPECT_EQ(r->gene_names(), (std::vector<std::string>{"g1", "g2"}));
  const WholeMatrix m = gather(*r, 2);
  EXPECT_EQ(m.indptr, (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(m.indices, (std::vector<std::int32_t>{1, 0, 0}));
  EXPECT_EQ(m.values, (std::vector<double>{3, 1, 2}));
  std::ofstream(p) << "gene,c1,c2\ng1,0,1\ng2,1\n";
  expect_io_error([&] { io::open_matrix(p); }, {p, "line 3"});
  std::ofstream(p) << "gene,c1,c2\ng1,0,x\n";
  expect_io_error([&] { io::open_matrix(p); }, {p, "line 2", "not a number"});
}

}  // namespace
}  // namespace flashmm::testing
