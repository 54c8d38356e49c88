// Streams a compressed matrix stored one row per cell: each chunk is two hyperslab reads
// (indices and data of the chunk's cells), so memory is the chunk's entries plus indptr.
#include "io/h5_matrix_readers.hpp"

#include <flashmm/error.hpp>

namespace flashmm::detail {

namespace {

class CellMajorReader final : public H5ReaderBase {
 public:
  CellMajorReader(H5MatrixSource source, hid_t group)
      : H5ReaderBase(std::move(source)),
        data_(h5::open_dataset(group, "data")),
        indices_(h5::open_dataset(group, "indices")),
        where_(path_ + ": " + h5::object_name(group)) {
    check_value_type(data_);
    const Index nnz = h5::length(data_);
    if (h5::length(indices_) != nnz) throw IoError(where_ + ": data and indices differ in length; the file is corrupt");
    indptr_ = read_indptr(group, n_cells(), nnz, where_, "cell");
  }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    if (!begin_chunk(chunk, max_cells)) return false;
    const Index a = next_cell_, b = next_cell_ + chunk.n_cells;
    const std::int64_t start = indptr_[static_cast<std::size_t>(a)];
    const std::int64_t count = indptr_[static_cast<std::size_t>(b)] - start;
    chunk.indptr.resize(static_cast<std::size_t>(chunk.n_cells) + 1);
    for (Index c = 0; c <= chunk.n_cells; ++c)
      chunk.indptr[static_cast<std::size_t>(c)] = indptr_[static_cast<std::size_t>(a + c)] - start;
    chunk.indices.resize(static_cast<std::size_t>(count));
    chunk.values.resize(static_cast<std::size_t>(count));
    h5::read_slice(indices_, H5T_NATIVE_INT32, start, count, chunk.indices.data());
    h5::read_slice(data_, H5T_NATIVE_DOUBLE, start, count, chunk.values.data());
    check_gene_indices(chunk, n_genes(), where_ + "/indices");
    sort_cells_by_gene(chunk);
    next_cell_ = b;
    return true;
  }

  void rewind() override { next_cell_ = 0; }

 private:
  h5::Handle data_, indices_;
  std::vector<std::int64_t> indptr_;
  std::string where_;
};

}  // namespace

std::unique_ptr<io::MatrixReader> make_cell_major_reader(H5MatrixSource source, hid_t group) {
  return std::make_unique<CellMajorReader>(std::move(source), group);
}

}  // namespace flashmm::detail
