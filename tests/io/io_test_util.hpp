#pragma once
// Helpers of the reader tests: a whole matrix gathered from chunks, the reference counts parsed
// independently of the library, and scratch directories.
#include <flashmm/io/matrix_reader.hpp>

#include "support/expect.hpp"

#include <hdf5.h>

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

/// Runs f, expecting an IoError whose message contains every one of `parts`.
template <class F>
void expect_io_error(F&& f, const std::vector<std::string>& parts) {
  expect_error<IoError>(std::forward<F>(f), parts);
}

/// Runs f, expecting an OptionError about `option` (as ReaderOptions spells it) whose message
/// contains every one of `parts`.
template <class F>
void expect_option_error(F&& f, const std::string& option, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no OptionError thrown (expected one about " << option << ")";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.option(), option) << e.what();
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "message: " << msg << "\nmissing: " << p;
  }
}

/// Writes an anndata dataframe group (obs, var) with this index and no columns.
void write_frame(hid_t file, const char* name, const std::vector<std::string>& index);

/// A small matrix as its entries in the order a file stores them (cell-major unless said
/// otherwise); entries may repeat a (cell, gene).
struct Entries {
  std::vector<std::string> genes, cells;
  struct Entry {
    Index cell, gene;
    double value;
  };
  std::vector<Entry> list;
};

/// How the HDF5 writers below store their 1-D datasets.
struct H5Storage {
  bool chunked = false;   ///< contiguous when false
  Index chunk = 4;        ///< elements a chunk
  bool shuffle = false;
  int deflate = 0;        ///< gzip level, 0: none
  bool fletcher32 = false;  ///< a filter the direct reading leaves to HDF5
};
/// Writes a 1-D dataset of `filetype` from `data` (doubles converted by HDF5) as `storage` says.
void write_dataset_as(hid_t loc, const char* name, hid_t filetype, const std::vector<double>& data,
                      const H5Storage& storage);

/// Writes an .h5ad with X as CSR (cells x genes; entries in the order given, stored as they come:
/// data float64, indices int64) or, when csc, as CSC (entries stably regrouped by gene), and obs
/// and var frames holding e.cells and e.genes. `index_override` (when >= 0) replaces the stored
/// index of entry 0, to write an index out of range.
void write_h5ad_entries(const std::string& path, const Entries& e, bool csc, const H5Storage& storage = {},
                        double index_override = -1);
/// Writes a Cell Ranger v3 .h5: matrix/{data,indices,indptr,shape,barcodes,features/{id,name,
/// feature_type}} with `types` (one per gene; "Gene Expression" when empty).
void write_tenx_h5_entries(const std::string& path, const Entries& e, const std::vector<std::string>& types = {},
                           const H5Storage& storage = {});
/// Writes a MatrixMarket genes x cells file of the entries in the order given ("real").
void write_mtx_entries(const std::string& path, const Entries& e);
/// Writes a 10x directory: matrix.mtx (entries in the order given), features.tsv (id, name,
/// type; "Gene Expression" when types is empty) and barcodes.tsv.
void write_tenx_dir_entries(const std::string& dir, const Entries& e, const std::vector<std::string>& types = {});
/// Writes one name a line.
void write_lines(const std::string& path, const std::vector<std::string>& lines);

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
