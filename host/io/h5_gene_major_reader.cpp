// Streams cells out of a gene-major (CSC cells x genes) matrix. Within each gene's column the
// cell indices ascend, so a cursor per gene only moves forward: for a chunk of cells [a, b)
// each gene reads indices from its cursor in windows sized to the gene's expected share of the
// chunk until it meets a cell >= b, then reads that run's values. Memory: indptr and cursors
// (16 bytes a gene) plus the chunk. Cost: two or more small reads per gene per chunk, so use
// large chunks (or convert the file to CSR) for many genes.
#include "io/h5_matrix_readers.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>

namespace flashmm::detail {

namespace {

class GeneMajorReader final : public ReaderBase {
 public:
  GeneMajorReader(H5MatrixSource source, hid_t group) : ReaderBase(source.path), file_(std::move(source.file)) {
    gene_names_ = std::move(source.gene_names);
    cell_ids_ = std::move(source.cell_ids);
    data_ = h5::open_dataset(group, "data");
    indices_ = h5::open_dataset(group, "indices");
    h5::Handle indptr = h5::open_dataset(group, "indptr");
    where_ = path_ + ": " + h5::object_name(group);
    const H5T_class_t c = h5::type_class(data_);
    if (c != H5T_INTEGER && c != H5T_FLOAT) throw IoError(where_ + "/data: unsupported value type");
    if (h5::length(indptr) != n_genes() + 1)
      throw IoError(where_ + "/indptr has " + std::to_string(h5::length(indptr)) + " entries, expected " +
                    std::to_string(n_genes() + 1) + " (genes + 1, CSC); the file is inconsistent");
    gene_ptr_ = h5::read_all<std::int64_t>(indptr);
    const Index nnz = h5::length(data_);
    if (h5::length(indices_) != nnz || gene_ptr_.front() != 0 || gene_ptr_.back() != nnz)
      throw IoError(where_ + ": indptr, indices and data disagree; the file is truncated or corrupt");
    for (std::size_t i = 1; i < gene_ptr_.size(); ++i)
      if (gene_ptr_[i] < gene_ptr_[i - 1]) throw IoError(where_ + "/indptr decreases; the file is corrupt");
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
        h5::read_slice(indices_, H5T_NATIVE_INT64, pos, want, window_.data());
        for (std::int64_t k = 0; k < want; ++k) {
          const std::int64_t cell = window_[static_cast<std::size_t>(k)];
          if (cell >= b) {
            done = true;
            break;
          }
          if (cell < a || cell >= n_cells() || (!cells_.empty() && pos > first && cell <= cells_.back() && genes_.back() == g))
            throw IoError(where_ + "/indices: cell indices of gene " + std::to_string(g) +
                          " are not strictly ascending or are out of range; streaming a CSC matrix needs sorted indices "
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
        h5::read_slice(data_, H5T_NATIVE_DOUBLE, first, count, vals_.data() + old);
      }
      cursor_[gi] = pos;
    }
    // Counting sort by cell keeps genes ascending within each cell.
    chunk.indptr.assign(static_cast<std::size_t>(chunk.n_cells) + 1, 0);
    for (auto cell : cells_) ++chunk.indptr[static_cast<std::size_t>(cell - a) + 1];
    for (std::size_t c = 1; c < chunk.indptr.size(); ++c) chunk.indptr[c] += chunk.indptr[c - 1];
    chunk.indices.resize(cells_.size());
    chunk.values.resize(cells_.size());
    fill_.assign(chunk.indptr.begin(), chunk.indptr.end() - 1);
    for (std::size_t k = 0; k < cells_.size(); ++k) {
      const auto dst = static_cast<std::size_t>(fill_[static_cast<std::size_t>(cells_[k] - a)]++);
      chunk.indices[dst] = genes_[k];
      chunk.values[dst] = vals_[k];
    }
    next_cell_ = b;
    return true;
  }

  void rewind() override {
    next_cell_ = 0;
    cursor_.assign(gene_ptr_.begin(), gene_ptr_.end() - 1);
  }

 private:
  h5::Handle file_, data_, indices_;
  std::vector<std::int64_t> gene_ptr_, cursor_;
  std::string where_;
  std::vector<std::int64_t> window_, cells_, fill_;
  std::vector<std::int32_t> genes_;
  std::vector<double> vals_;
};

}  // namespace

std::unique_ptr<io::MatrixReader> make_gene_major_reader(H5MatrixSource source, hid_t group) {
  return std::make_unique<GeneMajorReader>(std::move(source), group);
}

}  // namespace flashmm::detail
