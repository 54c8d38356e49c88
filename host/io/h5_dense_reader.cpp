// Streams rows of a dense n_cells x n_genes HDF5 array, keeping the non-zeros. Rows are read in
// blocks of at most ~4M values so a large max_cells never holds a dense copy of the chunk.
#include "io/h5_matrix_readers.hpp"

#include <flashmm/error.hpp>

#include <algorithm>

namespace flashmm::detail {

namespace {

class DenseReader final : public H5ReaderBase {
 public:
  DenseReader(H5MatrixSource source, h5::Handle dataset) : H5ReaderBase(std::move(source)), data_(std::move(dataset)) {
    const auto d = h5::dims(data_);
    if (d.size() != 2 || static_cast<Index>(d[0]) != n_cells() || static_cast<Index>(d[1]) != n_genes())
      throw IoError(path_ + ": " + h5::object_name(data_) + ": expected a " + std::to_string(n_cells()) + " x " +
                    std::to_string(n_genes()) + " array (cells x genes); the file is inconsistent");
    check_value_type(data_);
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
  void seek(Index first_cell) override { next_cell_ = checked_seek(first_cell); }

 private:
  h5::Handle data_;
  std::vector<double> buf_;
};

}  // namespace

std::unique_ptr<ReaderBase> make_dense_reader(H5MatrixSource source, h5::Handle dataset) {
  return std::make_unique<DenseReader>(std::move(source), std::move(dataset));
}

}  // namespace flashmm::detail
