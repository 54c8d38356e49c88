#pragma once
// AnnData (.h5ad) cell metadata and writing. Reading the matrix goes through open_matrix().
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/metadata.hpp>
#include <flashmm/types.hpp>

#include <memory>
#include <string>
#include <vector>

namespace flashmm::io {

/// Reads obs of an .h5ad file: cell ids from obs's index and every column: categoricals
/// (anndata >= 0.8 groups with categories/codes; anndata 0.7 codes with obs/__categories/NAME),
/// numeric (integer and float datasets; float NaN is missing), boolean and string columns.
/// Throws IoError naming the file and column on anything it cannot read.
Metadata read_h5ad_obs(const std::string& path);

/// The same columns without the index (cell_ids left empty), each checked to hold n_cells
/// values: for the reader of the same file's matrix, whose cell ids are that index already
/// (reading tens of thousands of variable-length strings again costs more than the columns).
Metadata read_h5ad_obs_columns(const std::string& path, Index n_cells);

/// Reads the var index (gene names) of an .h5ad file, or the var column `gene_column`;
/// `use_raw` reads raw/var.
std::vector<std::string> read_h5ad_var_names(const std::string& path, const std::string& gene_column = {},
                                             bool use_raw = false);

/// Storage type of X in a written .h5ad.
enum class CountType { float32, float64, int32 };

struct H5adWriteOptions {
  CountType value_type = CountType::float32;
  /// gzip level 0 (none) .. 9 of X's datasets; chunked, so readers can still slice them.
  int gzip_level = 4;
  /// Rows of X's datasets' HDF5 chunks, in entries.
  Index hdf5_chunk_entries = 1 << 16;
};

/// Writes an .h5ad (AnnData 0.8 encoding, readable by anndata/scanpy) by appending blocks of
/// cells, so a simulation of 10^6 cells never needs its whole matrix in memory. X is a cells x
/// genes CSR group (data, indices int32, indptr int64, attributes encoding-type "csr_matrix",
/// encoding-version "0.1.0", shape). The file is written under a temporary name next to `path`
/// and renamed by finish(); if finish() is never called the temporary file is removed.
class H5adWriter {
 public:
  H5adWriter(const std::string& path, std::vector<std::string> gene_names, const H5adWriteOptions& options = {});
  ~H5adWriter();
  H5adWriter(const H5adWriter&) = delete;
  H5adWriter& operator=(const H5adWriter&) = delete;

  /// Appends the next cells: a cells x genes CSR block (rows = cells, cols = n_genes).
  /// Values must be representable in the chosen CountType (integers for int32).
  void append(const CsrView<double>& cells);
  void append(const CsrView<float>& cells);
  Index n_cells() const;
  /// Writes obs (obs.cell_ids gives the index; it must have one row per appended cell) and var,
  /// closes the file and moves it to its final name.
  void finish(const Metadata& obs);

  struct State;  ///< opaque (keeps HDF5 out of this header)

 private:
  std::unique_ptr<State> state_;
};

/// Writes a whole in-memory cells x genes CSR matrix (rows = cells, cols = genes) with its gene
/// names and obs (obs.cell_ids must have one id per row) as .h5ad. See H5adWriter.
void write_h5ad(const std::string& path, const CsrView<float>& counts, const std::vector<std::string>& gene_names,
                const Metadata& obs, const H5adWriteOptions& options = {});
void write_h5ad(const std::string& path, const CsrView<double>& counts, const std::vector<std::string>& gene_names,
                const Metadata& obs, const H5adWriteOptions& options = {});

}  // namespace flashmm::io
