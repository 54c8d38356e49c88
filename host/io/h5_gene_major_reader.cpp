// Streams cells out of a gene-major (CSC cells x genes) matrix. Within each gene's column the
// cell indices ascend, so a cursor per gene only moves forward: for a chunk of cells [a, b)
// each gene reads indices from its cursor in windows sized to the gene's expected share of the
// chunk until it meets a cell >= b, then reads that run's values. Memory: indptr and cursors
// (16 bytes a gene) plus the chunk. Cost: two or more small reads per gene per chunk, so use
// large chunks (or convert the file to CSR) for many genes.
#include "io/h5_matrix_readers.hpp"

#include <flashmm/error.hpp>

#include <algorithm>

namespace flashmm::detail {

namespace {

class GeneMajorReader final : public H5ReaderBase {
 public:
  GeneMajorReader(H5MatrixSource source, hid_t group)
      : H5ReaderBase(std::move(source)),
        data_(h5::open_dataset(group, "data")),
        indices_(h5::open_dataset(group, "indices")),
        data_space_(h5::file_space(data_)),
        indices_space_(h5::file_space(indices_)),
        where_(path_ + ": " + h5::object_name(group)) {
    check_value_type(data_);
    const Index nnz = h5::length(data_);
    if (h5::length(indices_) != nnz) throw IoError(where_ + ": data and indices differ in length; the file is corrupt");
    gene_ptr_ = read_indptr(group, n_genes(), nnz, where_, "gene");
    rewind();
  }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    if (!begin_chunk(chunk, max_cells)) return false;
    const Index a = next_cell_, b = next_cell_ + chunk.n_cells;
    // Entries of the chunk in gene order, placed by cell afterwards (counting sort).
    cells_.clear();
    genes_.clear();
    vals_.clear();
    for (Index g = 0; g < n_genes(); ++g) {
      const auto gi = static_cast<std::size_t>(g);
      const std::int64_t end = gene_ptr_[gi + 1];
      std::int64_t pos = cursor_[gi];
      const std::int64_t first = pos;
      const Index expected = (end - gene_ptr_[gi]) * (b - a) / std::max<Index>(n_cells(), 1);
      bool done = pos >= end;
      while (!done) {
        const std::int64_t want = std::min<std::int64_t>(end - pos, 2 * expected + 64);
        window_.resize(static_cast<std::size_t>(want));
        h5::read_slice(indices_, indices_space_, H5T_NATIVE_INT64, pos, want, window_.data());
        for (std::int64_t k = 0; k < want; ++k) {
          const std::int64_t cell = window_[static_cast<std::size_t>(k)];
          // Checked before the chunk's end: an index past the last cell would otherwise stop
          // this gene's cursor for good and its entries would never be read.
          if (cell < 0 || cell >= n_cells())
            throw IoError(where_ + "/indices: cell index " + std::to_string(cell) + " of gene " + std::to_string(g) +
                          " is outside 0.." + std::to_string(n_cells() - 1) + "; the file is corrupt or inconsistent");
          if (cell >= b) {
            done = true;
            break;
          }
          // pos > first means this gene's previous entry is cells_.back(); an equal cell is a
          // repeated entry, summed below.
          if (cell < a || (pos > first && cell < cells_.back()))
            throw IoError(where_ + "/indices: cell indices of gene " + std::to_string(g) +
                          " are not ascending; streaming a CSC matrix needs sorted indices "
                          "(in Python: adata.X.sort_indices(), or convert X to CSR with adata.X = adata.X.tocsr())");
          cells_.push_back(cell);
          genes_.push_back(static_cast<std::int32_t>(g));
          ++pos;
        }
        if (pos >= end) done = true;
      }
      const std::int64_t count = pos - first;
      if (count > 0) {
        const std::size_t old = vals_.size();
        vals_.resize(old + static_cast<std::size_t>(count));
        h5::read_slice(data_, data_space_, H5T_NATIVE_DOUBLE, first, count, vals_.data() + old);
      }
      cursor_[gi] = pos;
    }
    // Genes were visited in order, so they stay ascending within each cell; an entry the file
    // repeats comes right after its first and is summed.
    place_by_cell(chunk, a, cells_, genes_, vals_);
    canonicalize_cells(chunk);
    next_cell_ = b;
    return true;
  }

  void rewind() override {
    next_cell_ = 0;
    cursor_.assign(gene_ptr_.begin(), gene_ptr_.end() - 1);
  }

 private:
  h5::Handle data_, indices_;
  h5::Handle data_space_, indices_space_;  // the file dataspaces, for the many small reads
  std::vector<std::int64_t> gene_ptr_, cursor_;
  std::string where_;
  std::vector<std::int64_t> window_, cells_;
  std::vector<std::int32_t> genes_;
  std::vector<double> vals_;
};

}  // namespace

std::unique_ptr<ReaderBase> make_gene_major_reader(H5MatrixSource source, hid_t group) {
  return std::make_unique<GeneMajorReader>(std::move(source), group);
}

}  // namespace flashmm::detail
