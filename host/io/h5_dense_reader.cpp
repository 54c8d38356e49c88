// Streams rows of a dense n_cells x n_genes HDF5 array, keeping the non-zeros. Rows are read in
// blocks of at most ~4M values so a large max_cells never holds a dense copy of the chunk.
#include "io/h5_matrix_readers.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>

namespace flashmm::detail {

namespace {

class DenseReader final : public ReaderBase {
 public:
  DenseReader(H5MatrixSource source, hid_t dataset) : ReaderBase(source.path), file_(std::move(source.file)) {
    gene_names_ = std::move(source.gene_names);
    cell_ids_ = std::move(source.cell_ids);
    hid_t copy = dataset;
    H5Iinc_ref(copy);  // the caller keeps its own handle
    data_ = h5::Handle(copy, H5Dclose);
    const auto d = h5::dims(data_);
    const std::string w = path_ + ": " + h5::object_name(data_);
    if (d.size() != 2 || static_cast<Index>(d[0]) != n_cells() || static_cast<Index>(d[1]) != n_genes())
      throw IoError(w + ": expected a " + std::to_string(n_cells()) + " x " + std::to_string(n_genes()) +
                    " array (cells x genes); the file is inconsistent");
    const H5T_class_t c = h5::type_class(data_);
    if (c != H5T_INTEGER && c != H5T_FLOAT) throw IoError(w + ": unsupported value type");
  }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    if (!begin_chunk(chunk, max_cells)) return false;
    const Index g = std::max<Index>(n_genes(), 1);
    const Index block = std::max<Index>(1, (Index{1} << 22) / g);
    chunk.indptr.resize(static_cast<std::size_t>(chunk.n_cells) + 1);
    for (Index r = 0; r < chunk.n_cells; r += block) {
      const Index rows = std::min(block, chunk.n_cells - r);
      buf_.resize(static_cast<std::size_t>(rows * n_genes()));
      h5::read_rows(data_, H5T_NATIVE_DOUBLE, next_cell_ + r, rows, buf_.data());
      for (Index i = 0; i < rows; ++i) {
        for (Index j = 0; j < n_genes(); ++j) {
          const double v = buf_[static_cast<std::size_t>(i * n_genes() + j)];
          if (v != 0.0) {
            chunk.indices.push_back(static_cast<std::int32_t>(j));
            chunk.values.push_back(v);
          }
        }
        chunk.indptr[static_cast<std::size_t>(r + i) + 1] = static_cast<std::int64_t>(chunk.values.size());
      }
    }
    next_cell_ += chunk.n_cells;
    return true;
  }

  void rewind() override { next_cell_ = 0; }

 private:
  h5::Handle file_, data_;
  std::vector<double> buf_;
};

}  // namespace

std::unique_ptr<io::MatrixReader> make_dense_reader(H5MatrixSource source, hid_t dataset) {
  return std::make_unique<DenseReader>(std::move(source), dataset);
}

}  // namespace flashmm::detail
