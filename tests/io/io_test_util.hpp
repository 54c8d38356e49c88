#pragma once
// Helpers of the reader tests: a whole matrix gathered from chunks, the reference counts parsed
// independently of the library, and scratch directories.
#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>
#include <zlib.h>  // reader_errors_test writes .gz files with it
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace flashmm::testing {

/// A whole cells x genes CSR matrix with its names.
struct WholeMatrix {
  std::vector<std::string> genes, cells;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  bool operator==(const WholeMatrix&) const = default;
};

/// Reads every chunk of `r` (max_cells at a time), checking the chunks' own invariants.
inline WholeMatrix gather(io::MatrixReader& r, Index max_cells) {
  WholeMatrix m;
  m.genes = r.gene_names();
  m.cells = r.cell_ids();
  io::CellChunk chunk;
  Index expected_first = 0;
  while (r.next_chunk(chunk, max_cells)) {
    EXPECT_EQ(chunk.first_cell, expected_first);
    EXPECT_GE(chunk.n_cells, 1);
    EXPECT_LE(chunk.n_cells, max_cells);
    EXPECT_EQ(chunk.indptr.size(), static_cast<std::size_t>(chunk.n_cells) + 1);
    EXPECT_EQ(chunk.indptr.front(), 0);
    EXPECT_EQ(chunk.indptr.back(), chunk.nnz());
    EXPECT_EQ(chunk.indices.size(), chunk.values.size());
    const std::int64_t base = m.indptr.back();
    for (Index c = 1; c <= chunk.n_cells; ++c) m.indptr.push_back(base + chunk.indptr[static_cast<std::size_t>(c)]);
    m.indices.insert(m.indices.end(), chunk.indices.begin(), chunk.indices.end());
    m.values.insert(m.values.end(), chunk.values.begin(), chunk.values.end());
    expected_first += chunk.n_cells;
  }
  EXPECT_EQ(expected_first, r.n_cells());
  EXPECT_EQ(chunk.n_cells, 0);
  return m;
}

/// The s1 counts as the tests' own loader (support/s1.hpp) parses them from s1_counts.mtx.gz,
/// s1_genes.txt and s1_cells.txt, without the library's code: cells x genes CSR.
WholeMatrix reference_s1();

/// A fresh empty directory under the system's temporary directory, removed by the destructor.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    path_ = std::filesystem::temp_directory_path() / ("flashmm_io_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline CsrView<double> view_of(const WholeMatrix& m) {
  CsrView<double> v;
  v.rows = static_cast<Index>(m.cells.size());
  v.cols = static_cast<Index>(m.genes.size());
  v.indptr = m.indptr;
  v.indices = m.indices;
  v.values = m.values;
  return v;
}

}  // namespace flashmm::testing
