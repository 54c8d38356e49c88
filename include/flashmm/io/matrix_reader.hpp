#pragma once
// Streaming readers of single-cell count matrices. A reader hands out consecutive blocks of
// cells so that memory is bounded by the block, never by the whole matrix (10^5..10^7 cells).
#include <flashmm/error.hpp>
#include <flashmm/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flashmm::io {

/// A block of consecutive cells as a cells x genes CSR matrix, held on the host.
///   rows: cells first_cell .. first_cell + n_cells - 1 of the file, in file order;
///   indptr: n_cells + 1 offsets, indptr[0] == 0, into indices/values (local to the block);
///   indices: gene index (0-based, < n_genes) of each stored entry, strictly ascending within a
///   cell (entries the file repeats are summed);
///   values: the stored value, as double so that float32, float64 and integer counts all stay
///   exact. Zeros the file stores explicitly are kept.
struct CellChunk {
  Index first_cell = 0;
  Index n_cells = 0;
  std::vector<std::int64_t> indptr;
  std::vector<std::int32_t> indices;
  std::vector<double> values;

  Index nnz() const { return static_cast<Index>(values.size()); }
  /// As a view (rows = n_cells, cols = n_genes) for the code that consumes it.
  CsrView<double> view(Index n_genes) const {
    CsrView<double> v;
    v.rows = n_cells;
    v.cols = n_genes;
    v.indptr = indptr;
    v.indices = indices;
    v.values = values;
    return v;
  }
};

/// Options of open_matrix(). Each mirrors a command-line flag (given with each field) and
/// applies only to the formats named; open_matrix refuses one given for a format it does not
/// apply to, and every reader message names an option by its flag.
/// The default bound of a chunk's stored entries (ReaderOptions::chunk_entries): 2^23, about
/// 100 MB as values and genes.
inline constexpr std::int64_t kChunkEntries = std::int64_t{1} << 23;

struct ReaderOptions {
  /// --layer: h5ad: read layers/NAME instead of X.
  std::string layer;
  /// --use-raw: h5ad: read raw/X with raw/var's gene names instead of X.
  bool use_raw = false;
  /// --gene-column: h5ad: a var column holding the gene names (instead of var's index).
  /// 10x (directory or .h5): "id" (or "gene_ids") uses the feature ids (Ensembl); "name" (or
  /// "gene_symbols") or empty uses the feature names (symbols), as scanpy's read_10x does.
  std::string gene_column;
  /// --genes: MatrixMarket file: one gene name a line (or the first column of a TSV), in row order.
  std::string genes_file;
  /// --cells: MatrixMarket file: one cell id a line (or the first column of a TSV), in column order.
  std::string cells_file;
  /// --feature-types: 10x (directory or .h5): the feature types to read. Empty: "Gene
  /// Expression" only, as scanpy's read_10x_h5 (gex_only) does, so antibody or CRISPR features
  /// are neither fitted nor counted in libsize; "all" reads every feature.
  std::vector<std::string> feature_types;
  /// Threads that decode compressed HDF5 chunks (0: all cores). Never changes what is read.
  int threads = 0;
  /// .h5ad and 10x .h5 (cell-major): the most stored entries a chunk of cells holds (at least
  /// one cell), kChunkEntries by default. Never changes what is read, only how it is cut (the
  /// statistics do not depend on it).
  std::int64_t chunk_entries = kChunkEntries;
};

/// One matrix of an input, as ReaderOptions chooses it: X (layer empty, use_raw false),
/// layers/`layer`, or raw/X (use_raw).
struct MatrixChoice {
  std::string layer;
  bool use_raw = false;
  bool operator==(const MatrixChoice&) const = default;
};

/// A matrix of n_cells() cells x n_genes() genes read as consecutive blocks of cells.
/// Not thread-safe: one consumer at a time. A reader may decode the next block on threads of its
/// own while the caller works on the current one; those threads never call HDF5, so the caller
/// may use HDF5 meanwhile.
class MatrixReader {
 public:
  virtual ~MatrixReader() = default;
  MatrixReader() = default;
  MatrixReader(const MatrixReader&) = delete;
  MatrixReader& operator=(const MatrixReader&) = delete;

  virtual Index n_cells() const = 0;
  virtual Index n_genes() const = 0;
  /// n_genes() names, in column order of the chunks.
  virtual const std::vector<std::string>& gene_names() const = 0;
  /// n_cells() ids, in file order.
  virtual const std::vector<std::string>& cell_ids() const = 0;
  /// The file (or directory) read, for messages.
  virtual const std::string& path() const = 0;
  /// What the caller should tell the user about how the input was read (gene names made
  /// unique, features left out, ...), one sentence each. The library never prints them.
  virtual const std::vector<std::string>& warnings() const {
    static const std::vector<std::string> none;
    return none;
  }
  /// A cell metadata file the input carries beside its matrix (a 10x directory's
  /// metadata.csv, as `flashmm simulate` writes), or "" when there is none.
  virtual const std::string& metadata_file() const {
    static const std::string none;
    return none;
  }
  /// The input's other matrices whose first values are counts (integers >= 0), by the options
  /// that read them: an .h5ad's X, layers and raw; empty for formats with one matrix. Advice
  /// for an ExpressionValueError (it reads the file again); reading one checks every value.
  virtual std::vector<MatrixChoice> count_matrices() const { return {}; }

  /// Fills `chunk` with the next min(max_cells, cells left) cells (max_cells >= 1) and returns
  /// true, or returns false (chunk emptied) once every cell was handed out. A reader may hand
  /// out fewer cells (at least one) where they would hold more stored entries than its chunk
  /// buffers are meant to (the .h5ad and 10x .h5 readers: ReaderOptions::chunk_entries). The
  /// chunk's vectors are reused, so passing the same chunk each time avoids reallocations.
  virtual bool next_chunk(CellChunk& chunk, Index max_cells) = 0;
  /// A hint that next_chunk(chunk, max_cells) comes next: a reader that decodes in the
  /// background may start on that block now, while the caller does other work (HDF5 included).
  /// Changes nothing that is read; a different next call (or seek, rewind) only wastes the work.
  virtual void prefetch(Index max_cells) { (void)max_cells; }
  /// Starts again from the first cell.
  virtual void rewind() = 0;
  /// Moves to cell first_cell (0 <= first_cell <= n_cells()), from where the next chunk starts:
  /// a shard of the cells (sumstats --cell-range, a rank of an MPI job) reads only its own. The
  /// default rewinds and reads the cells before it; readers that can jump there do.
  virtual void seek(Index first_cell);
};

/// Opens a matrix, detecting its format:
///   - "*.h5ad": AnnData (>= 0.7 encodings; X, layers/NAME or raw/X as CSR, CSC or dense);
///   - a directory with matrix.mtx[.gz], features.tsv[.gz] or genes.tsv[.gz], barcodes.tsv[.gz]
///     (Cell Ranger v2/v3 output);
///   - "*.h5" / "*.hdf5" with a group "matrix" (Cell Ranger HDF5, v3 or v2 layout), else read as
///     h5ad when it has X;
///   - "*.mtx" / "*.mtx.gz": MatrixMarket genes x cells with options.genes_file/cells_file;
///   - "*.csv" / "*.tsv" / "*.txt" (optionally .gz): dense genes x cells text, first column gene
///     names, header cell ids. Read whole into memory (sparse); meant for small data.
/// Every reader applies the same rules:
///   - every stored index is checked against its bound (IoError naming the file, the cell and
///     the index as stored);
///   - duplicate (cell, gene) entries are summed, in double precision and in the order the file
///     stores them (as scipy's sum_duplicates, which anndata relies on);
///   - cell ids must be unique and gene names and cell ids non-empty without tab, newline or
///     carriage return (they would corrupt the result tables): IoError naming the file and name;
///   - repeated gene names are made unique as anndata's var_names_make_unique does (NAME,
///     NAME-1, NAME-2, ...), with a warning in warnings();
///   - an input with no genes or no cells is an IoError.
/// Compressed HDF5 datasets (deflate, with or without shuffle) are decoded straight from their
/// chunks on options.threads threads, and the next block of cells is decoded while the caller
/// works on the current one; other filters go through HDF5, and a filter this HDF5 lacks (LZF,
/// Blosc, ...) is an IoError saying how to rewrite the file.
/// Throws IoError naming the file when it is missing, unreadable, malformed or of unknown format
/// (R, loom and Seurat files get a message saying how to convert them), and when an option is
/// given that does not apply to the format.
std::unique_ptr<MatrixReader> open_matrix(const std::string& path, const ReaderOptions& options = {});

}  // namespace flashmm::io
