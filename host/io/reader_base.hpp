#pragma once
// Shared state of the MatrixReader implementations and the per-format factories open_matrix()
// dispatches to.
#include <flashmm/io/matrix_reader.hpp>

#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail {

/// Holds what every reader has: the path, the names and the position of the next cell.
class ReaderBase : public io::MatrixReader {
 public:
  Index n_cells() const override { return static_cast<Index>(cell_ids_.size()); }
  Index n_genes() const override { return static_cast<Index>(gene_names_.size()); }
  const std::vector<std::string>& gene_names() const override { return gene_names_; }
  const std::vector<std::string>& cell_ids() const override { return cell_ids_; }
  const std::string& path() const override { return path_; }

 protected:
  explicit ReaderBase(std::string path) : path_(std::move(path)) {}
  /// Starts a chunk of min(max_cells, cells left) cells at next_cell_; false when none are left.
  bool begin_chunk(io::CellChunk& chunk, Index max_cells);
  std::string path_;
  std::vector<std::string> gene_names_;
  std::vector<std::string> cell_ids_;
  Index next_cell_ = 0;
};

/// Sorts each cell's entries by gene index (stable), so every format yields the same chunk.
void sort_cells_by_gene(io::CellChunk& chunk);
/// Checks that each gene index of the chunk is in [0, n_genes); IoError naming `where` if not.
void check_gene_indices(const io::CellChunk& chunk, Index n_genes, const std::string& where);

/// A whole matrix held in memory as cells x genes CSR (for dense text and unsorted
/// MatrixMarket, which cannot be streamed by cell), served in chunks like the others.
struct CellMajorMatrix {
  std::vector<std::int64_t> indptr;   ///< n_cells + 1
  std::vector<std::int32_t> indices;  ///< gene of each entry
  std::vector<double> values;
};
/// Serves `m` in chunks (copying rows out).
void copy_cells(const CellMajorMatrix& m, Index first, io::CellChunk& chunk);

std::unique_ptr<io::MatrixReader> open_h5ad(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<io::MatrixReader> open_tenx_h5(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<io::MatrixReader> open_tenx_dir(const std::string& dir, const io::ReaderOptions& options);
/// A genes x cells MatrixMarket file with its names; `names_from` says where the names came from
/// (for dimension-mismatch messages).
std::unique_ptr<io::MatrixReader> open_mtx(const std::string& path, std::vector<std::string> gene_names,
                                           std::vector<std::string> cell_ids, const std::string& names_from);
std::unique_ptr<io::MatrixReader> open_dense_text(const std::string& path);

}  // namespace flashmm::detail
