#pragma once
// The three layouts of a matrix in HDF5 files, each streamed by cell:
//   cell-major compressed (h5ad CSR cells x genes; 10x .h5 CSC genes x cells),
//   gene-major compressed (h5ad CSC cells x genes),
//   dense 2-D (h5ad X as cells x genes array).
#include <flashmm/io/matrix_reader.hpp>

#include "io/hdf5_util.hpp"
#include "io/reader_base.hpp"

#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail {

/// What every layout needs: the open file (kept open while reading) and the names.
struct H5MatrixSource {
  std::string path;
  h5::Handle file;
  std::vector<std::string> gene_names;
  std::vector<std::string> cell_ids;
};

/// What the three layouts share: the names and the file, kept open while reading.
class H5ReaderBase : public ReaderBase {
 protected:
  explicit H5ReaderBase(H5MatrixSource source)
      : ReaderBase(std::move(source.path), std::move(source.gene_names), std::move(source.cell_ids)),
        file_(std::move(source.file)) {}
  h5::Handle file_;
};

/// IoError naming the dataset unless its values are integers or floats.
void check_value_type(hid_t dataset);
/// Reads `group`/indptr of a compressed matrix with `expected` rows of `unit`s ("cell" or
/// "gene"): expected + 1 offsets from 0 to nnz that never decrease; IoError starting with
/// `where` (the file and group) if not.
std::vector<std::int64_t> read_indptr(hid_t group, Index expected, Index nnz, const std::string& where,
                                      const std::string& unit);

/// How a cell-major matrix is read beyond its layout.
struct CellMajorOptions {
  /// The bound of the stored gene indices: the file's features (10x, before any are left
  /// out); < 0: n_genes of the source.
  Index file_genes = -1;
  /// File feature -> column of the chunks, -1 for one left out; empty: every feature.
  std::vector<std::int32_t> gene_map;
  /// Threads that decode stored chunks (0: all cores).
  int threads = 0;
  /// The most stored entries of a chunk (ReaderOptions::chunk_entries).
  std::int64_t chunk_entries = io::kChunkEntries;
};

/// `group` holds data (any numeric type), indices (gene of each entry) and indptr
/// (n_cells + 1 offsets): one compressed row per cell. indptr is read whole (8 bytes a cell);
/// indices/data are read one chunk of cells at a time (see h5_cell_major_reader.cpp).
std::unique_ptr<ReaderBase> make_cell_major_reader(H5MatrixSource source, hid_t group, const CellMajorOptions& options);
/// `group` holds data, indices (cell of each entry, ascending within a gene) and indptr
/// (n_genes + 1 offsets): one compressed column per gene.
std::unique_ptr<ReaderBase> make_gene_major_reader(H5MatrixSource source, hid_t group);
/// `dataset` is a 2-D n_cells x n_genes array.
std::unique_ptr<ReaderBase> make_dense_reader(H5MatrixSource source, h5::Handle dataset);

/// The group of a Cell Ranger .h5 file holding the matrix: "matrix" (v3), or else the one group
/// holding a barcodes dataset (v2 names it after the genome); "" when there is none, IoError when
/// there are several genomes.
std::string find_tenx_group(hid_t file);

}  // namespace flashmm::detail
