#pragma once
// Shared state of the MatrixReader implementations, the rules every reader applies to what it
// hands out (names, index bounds, duplicate entries), and the per-format factories
// open_matrix() dispatches to.
#include <flashmm/io/matrix_reader.hpp>

#include <functional>
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
  const std::vector<std::string>& warnings() const override { return warnings_; }
  const std::string& metadata_file() const override { return metadata_file_; }
  std::vector<io::MatrixChoice> count_matrices() const override {
    return count_matrices_ ? count_matrices_() : std::vector<io::MatrixChoice>{};
  }

  /// The checks every input passes once its reader has its names (open_matrix calls it):
  /// IoError for no genes or no cells, for an empty name or one holding a tab, newline or
  /// carriage return, and for a repeated cell id, each naming where the names came from;
  /// repeated gene names are made unique (make_unique_names) with a warning.
  void check_names();

  // Set by the format's factory, which knows the file around the matrix.
  void add_warning(std::string w) { warnings_.push_back(std::move(w)); }
  void set_metadata_file(std::string f) { metadata_file_ = std::move(f); }
  void set_count_matrices(std::function<std::vector<io::MatrixChoice>()> f) { count_matrices_ = std::move(f); }
  /// Where the gene names and cell ids were read (a file, or "FILE: var/_index"), for messages.
  void set_name_sources(std::string genes_from, std::string cells_from) {
    genes_from_ = std::move(genes_from);
    cells_from_ = std::move(cells_from);
  }

 protected:
  ReaderBase(std::string path, std::vector<std::string> gene_names, std::vector<std::string> cell_ids)
      : path_(std::move(path)), gene_names_(std::move(gene_names)), cell_ids_(std::move(cell_ids)) {}
  /// For readers that learn the names while reading the file.
  explicit ReaderBase(std::string path) : path_(std::move(path)) {}
  /// Starts a chunk of min(max_cells, cells left) cells at next_cell_; false (the chunk emptied)
  /// when none are left. Its indptr, indices and values are emptied unless keep_buffers.
  bool begin_chunk(io::CellChunk& chunk, Index max_cells, bool keep_buffers = false);
  /// first_cell when it is a cell number seek() takes; InputError otherwise.
  Index checked_seek(Index first_cell) const;
  std::string path_;
  std::vector<std::string> gene_names_;
  std::vector<std::string> cell_ids_;
  std::string genes_from_, cells_from_;  // path_ when empty
  std::vector<std::string> warnings_;
  std::string metadata_file_;
  std::function<std::vector<io::MatrixChoice>()> count_matrices_;  // on demand: it reads the file again
  Index next_cell_ = 0;
};

/// anndata's var_names_make_unique (anndata.utils.make_index_unique): the first of equal names
/// keeps it, each later one becomes NAME-1, NAME-2, ..., skipping names already taken. Returns
/// the number of names renamed; `example` gets the first repeated name.
Index make_unique_names(std::vector<std::string>& names, std::string& example);

/// Puts each cell's entries in the form every reader hands out: gene indices strictly ascending,
/// entries of one (cell, gene) summed in the order they come (the order the file stores them),
/// sorting stably where a cell is out of order. Cells already in that form are left untouched.
void canonicalize_cells(io::CellChunk& chunk);
/// The entries k in [lo, hi) of the chunk, other than the first of a cell, whose gene index does
/// not exceed the one before (k = lo counts when lo is inside a cell): none in a range of whole
/// cells means canonicalize_cells would change nothing there. chunk.indptr must be set.
Index order_breaks(const io::CellChunk& chunk, std::int64_t lo, std::int64_t hi);

/// Removes the entries of features a selection leaves out and renumbers the others:
/// gene_map[file gene] is the gene's column or -1. Keeps each cell's order.
void apply_gene_map(io::CellChunk& chunk, const std::vector<std::int32_t>& gene_map);

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

/// The features of a 10x input that are read: which ones (by --feature-types) and their names
/// (by --gene-column). ids, names and types have one entry per feature of the file (types may
/// be empty: a v2 file, all genes).
struct FeatureSelection {
  std::vector<std::string> gene_names;  ///< of the features read, in file order
  std::vector<std::int32_t> gene_map;   ///< file feature -> column, -1 when left out; empty: all read
};
/// Selects the features as `options` say: by default those of type "Gene Expression" (all of
/// them when the file has no types); "all" keeps every one. Adds a warning naming what was left
/// out; IoError naming `where` when a type asked for is absent, or when nothing is left.
FeatureSelection select_features(const std::vector<std::string>& ids, const std::vector<std::string>& names,
                                 const std::vector<std::string>& types, const io::ReaderOptions& options,
                                 const std::string& where, std::vector<std::string>& warnings);

std::unique_ptr<ReaderBase> open_h5ad(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<ReaderBase> open_tenx_h5(const std::string& path, const io::ReaderOptions& options);
std::unique_ptr<ReaderBase> open_tenx_dir(const std::string& dir, const io::ReaderOptions& options);
/// A genes x cells MatrixMarket file with its names; `genes_from` and `cells_from` say where the
/// names came from (for messages); gene_map (file row -> column or -1; empty: every row) selects
/// the rows read.
std::unique_ptr<ReaderBase> open_mtx(const std::string& path, std::vector<std::string> gene_names,
                                     std::vector<std::string> cell_ids, const std::string& genes_from,
                                     const std::string& cells_from, std::vector<std::int32_t> gene_map = {});
std::unique_ptr<ReaderBase> open_dense_text(const std::string& path);

}  // namespace flashmm::detail
