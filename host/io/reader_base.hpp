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
  ReaderBase(std::string path, std::vector<std::string> gene_names, std::vector<std::string> cell_ids)
      : path_(std::move(path)), gene_names_(std::move(gene_names)), cell_ids_(std::move(cell_ids)) {}
  /// For readers that learn the names while reading the file.
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

/// Groups entries by cell with a stable counting sort, so the entries of a cell keep the order
/// they are put in. `counts[c]` is the number of entries of the chunk's cell c (chunk.n_cells of
/// them); place_by_cell sets chunk.indptr, sizes indices and values, then calls
/// each_entry(put), which must call put(c, gene, value) once for every entry.
template <class EachEntry>
void place_by_cell(io::CellChunk& chunk, const std::vector<std::int64_t>& counts, EachEntry&& each_entry) {
  chunk.indptr.assign(counts.size() + 1, 0);
  for (std::size_t c = 0; c < counts.size(); ++c) chunk.indptr[c + 1] = chunk.indptr[c] + counts[c];
  chunk.indices.resize(static_cast<std::size_t>(chunk.indptr.back()));
  chunk.values.resize(static_cast<std::size_t>(chunk.indptr.back()));
  std::vector<std::int64_t> fill(chunk.indptr.begin(), chunk.indptr.end() - 1);
  each_entry([&](Index c, std::int32_t gene, double value) {
    const auto dst = static_cast<std::size_t>(fill[static_cast<std::size_t>(c)]++);
    chunk.indices[dst] = gene;
    chunk.values[dst] = value;
  });
}
/// The same for entries held in memory: entry k is (cells[k], genes[k], values[k]) and its cell
/// lies in [first, first + chunk.n_cells).
void place_by_cell(io::CellChunk& chunk, Index first, const std::vector<std::int64_t>& cells,
                   const std::vector<std::int32_t>& genes, const std::vector<double>& values);

/// Serves cells [first, first + chunk.n_cells) of `m`, a whole matrix held in memory (dense text
/// and unsorted MatrixMarket, which cannot be streamed by cell), copying its rows out.
void copy_cells(const io::CellChunk& m, Index first, io::CellChunk& chunk);

/// Whether the gene column option asks for gene ids rather than symbols (10x files hold both).
inline bool use_gene_ids(const io::ReaderOptions& options) {
  return options.gene_column == "id" || options.gene_column == "gene_ids";
}

std::unique_ptr<io::MatrixReader> open_h5ad(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<io::MatrixReader> open_tenx_h5(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<io::MatrixReader> open_tenx_dir(const std::string& dir, const io::ReaderOptions& options);
/// A genes x cells MatrixMarket file with its names; `names_from` says where the names came from
/// (for dimension-mismatch messages).
std::unique_ptr<io::MatrixReader> open_mtx(const std::string& path, std::vector<std::string> gene_names,
                                           std::vector<std::string> cell_ids, const std::string& names_from);
std::unique_ptr<io::MatrixReader> open_dense_text(const std::string& path);

}  // namespace flashmm::detail
