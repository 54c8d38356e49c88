#pragma once
// Cells x genes matrices handed to the summary statistics block by block of cells, each block a
// CSR view in one of the value types the accumulator takes. In-memory matrices (numpy and scipy
// buffers) are read in place:
//   CSR: rows sliced by indptr; values viewed when float32/float64/int32/int64, other integer or
//        bool types converted block by block to double; int64 indices narrowed block by block;
//   CSC (gene-major): transposed block by block (one cursor per gene walks down its column, so
//        each block costs its nonzeros plus one step per gene); row indices must be sorted
//        within each column;
//   dense (any strides): the nonzeros of each row block gathered into CSR.
// A block whose rows hold unsorted or repeated gene indices is made canonical in a copy
// (indices sorted, repeats summed in stored order), as the file readers do. Extra memory: one
// block of cells, never the matrix.
// Files go through the library's readers (io::open_matrix), exactly as the program reads them.
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/types.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace flashmm::python {

namespace py = pybind11;

/// A block of cells as the accumulator takes it. Valid during the visit only.
using ChunkView = std::variant<CsrView<float>, CsrView<double>, CsrView<std::int32_t>, CsrView<std::int64_t>>;

class CellSource {
 public:
  virtual ~CellSource() = default;
  virtual Index n_cells() const = 0;
  virtual Index n_genes() const = 0;
  /// What the matrix is, for messages ("adata.X", a file's path).
  virtual std::string what() const = 0;
  /// Calls visit(first_cell, block) for consecutive blocks of at most max_cells cells from the
  /// first cell, in order, until visit returns false or the cells end. Called without the GIL.
  virtual void for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) = 0;
};

/// The arrays of a scipy.sparse CSR (major = cells) or CSC (major = genes) matrix, kept alive by
/// the source. indptr: int32 or int64, major + 1 entries; indices: int32 or int64, the minor index
/// of each entry; data: any numeric or bool dtype, as many entries as indices.
struct CompressedArrays {
  py::array indptr, indices, data;
  Index n_cells = 0, n_genes = 0;
  std::string what;
};

std::unique_ptr<CellSource> csr_source(CompressedArrays arrays);
std::unique_ptr<CellSource> csc_source(CompressedArrays arrays);
/// A dense n_cells x n_genes numpy array of any numeric or bool dtype and any strides.
std::unique_ptr<CellSource> dense_source(py::array values, std::string what);

/// A file the program reads, through io::open_matrix.
class FileSource : public CellSource {
 public:
  FileSource(const std::string& path, const io::ReaderOptions& options);
  Index n_cells() const override { return reader_->n_cells(); }
  Index n_genes() const override { return reader_->n_genes(); }
  std::string what() const override { return reader_->path(); }
  void for_each_chunk(Index max_cells, const std::function<bool(Index, const ChunkView&)>& visit) override;
  io::MatrixReader& reader() { return *reader_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<io::MatrixReader> reader_;
  io::CellChunk chunk_;
};

/// Per cell of the source: the sum of its values (libsize) and its count of nonzero values
/// (nfeatures), in one pass, as the program computes them from a file.
void cell_totals(CellSource& source, Index max_cells, std::vector<double>& libsize, std::vector<double>& nfeatures);

}  // namespace flashmm::python
