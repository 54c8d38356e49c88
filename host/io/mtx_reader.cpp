// MatrixMarket coordinate files of genes x cells (R's writeMM, Cell Ranger's matrix.mtx.gz),
// plain or gzip. Opening scans the file once: it validates the header, every index and the
// entry count (so a truncated or corrupt file fails before any work is done) and counts the
// entries of each cell (8 bytes a cell). When the entries are sorted by cell, as 10x and
// writeMM write them, chunks are then streamed from a second pass holding only the chunk.
// Otherwise the whole matrix is loaded once, cell-major (12 bytes an entry + 8 a cell).
#include "io/gzip_lines.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace flashmm::detail {

namespace {

enum class Field { integer, real, pattern };

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses whitespace-separated fields of one line without allocating.
class Fields {
 public:
  explicit Fields(std::string_view line) : p_(line.data()), end_(line.data() + line.size()) {}
  bool next(std::string_view& token) {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t')) ++p_;
    if (p_ == end_) return false;
    const char* s = p_;
    while (p_ < end_ && *p_ != ' ' && *p_ != '\t') ++p_;
    token = std::string_view(s, static_cast<std::size_t>(p_ - s));
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

template <class T>
bool parse(std::string_view s, T& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

struct Header {
  Field field = Field::integer;
  Index rows = 0, cols = 0, nnz = 0;
};

// Reads the banner, comments and size line; leaves `in` at the first entry.
Header read_header(GzipLineReader& in) {
  const std::string& path = in.path();
  std::string_view line;
  if (!in.next(line)) throw IoError(path + ": empty file; expected a MatrixMarket matrix");
  Fields f(line);
  std::string_view tok[5];
  int n = 0;
  while (n < 5 && f.next(tok[n])) ++n;
  if (n != 5 || lower(tok[0]) != "%%matrixmarket" || lower(tok[1]) != "matrix")
    throw IoError(path + ": line 1: not a MatrixMarket header (expected '%%MatrixMarket matrix coordinate integer general')");
  if (lower(tok[2]) != "coordinate")
    throw IoError(path + ": line 1: only the sparse 'coordinate' MatrixMarket format is supported, found '" + std::string(tok[2]) + "'");
  Header h;
  const std::string field = lower(tok[3]);
  if (field == "integer") h.field = Field::integer;
  else if (field == "real" || field == "double") h.field = Field::real;
  else if (field == "pattern") h.field = Field::pattern;
  else throw IoError(path + ": line 1: unsupported MatrixMarket field '" + std::string(tok[3]) + "' (integer, real or pattern)");
  if (lower(tok[4]) != "general")
    throw IoError(path + ": line 1: unsupported symmetry '" + std::string(tok[4]) + "'; a count matrix is 'general'");
  while (in.next(line)) {
    if (line.empty() || line.front() == '%') continue;
    Fields s(line);
    std::string_view a, b, c, extra;
    if (!s.next(a) || !s.next(b) || !s.next(c) || s.next(extra) || !parse(a, h.rows) || !parse(b, h.cols) ||
        !parse(c, h.nnz) || h.rows < 0 || h.cols < 0 || h.nnz < 0)
      throw IoError(path + ": line " + std::to_string(in.line_number()) + ": expected the size line 'genes cells entries'");
    return h;
  }
  throw IoError(path + ": no size line after the header; the file is truncated");
}

struct Entry {
  Index row, col;
  double value;
};

// Reads the next entry (skipping blank lines); false at the end of the file.
bool read_entry(GzipLineReader& in, const Header& h, Entry& e) {
  std::string_view line;
  for (;;) {
    if (!in.next(line)) return false;
    if (!line.empty() && line.front() != '%') break;
  }
  Fields f(line);
  std::string_view r, c, v, extra;
  const auto bad = [&](const std::string& what) {
    return IoError(in.path() + ": line " + std::to_string(in.line_number()) + ": " + what);
  };
  if (!f.next(r) || !f.next(c) || !parse(r, e.row) || !parse(c, e.col))
    throw bad("expected 'gene cell value'; the file is corrupt");
  if (h.field == Field::pattern) {
    e.value = 1.0;
  } else {
    if (!f.next(v)) throw bad("missing value; the file is corrupt or truncated");
    if (h.field == Field::integer) {
      std::int64_t iv = 0;
      if (!parse(v, iv)) throw bad("'" + std::string(v) + "' is not an integer (header says integer)");
      e.value = static_cast<double>(iv);
    } else if (!parse(v, e.value)) {
      throw bad("'" + std::string(v) + "' is not a number");
    }
  }
  if (f.next(extra)) throw bad("too many fields; expected 'gene cell value'");
  if (e.row < 1 || e.row > h.rows || e.col < 1 || e.col > h.cols)
    throw bad("entry (" + std::to_string(e.row) + ", " + std::to_string(e.col) + ") outside the declared " +
              std::to_string(h.rows) + " x " + std::to_string(h.cols) + " matrix");
  return true;
}

class MtxReader final : public ReaderBase {
 public:
  MtxReader(const std::string& path, std::vector<std::string> genes, std::vector<std::string> cells,
            const std::string& genes_from, const std::string& cells_from, std::vector<std::int32_t> gene_map)
      : ReaderBase(path, std::move(genes), std::move(cells)), in_(path), gene_map_(std::move(gene_map)) {
    set_name_sources(genes_from, cells_from);
    header_ = read_header(in_);
    const Index file_genes = gene_map_.empty() ? n_genes() : static_cast<Index>(gene_map_.size());
    if (header_.rows != file_genes || header_.cols != n_cells()) {
      std::string msg = path + ": the matrix is " + std::to_string(header_.rows) + " x " + std::to_string(header_.cols) +
                        " (genes x cells) but " + genes_from + " and " + cells_from + " give " +
                        std::to_string(file_genes) + " genes and " + std::to_string(n_cells()) + " cells";
      if (header_.rows == n_cells() && header_.cols == file_genes)
        msg += "; the matrix looks transposed (cells x genes, expected genes x cells) or the gene and cell files are swapped";
      else if (header_.rows == n_cells() || header_.cols == file_genes)
        msg += "; one of its dimensions matches the other file: the matrix may be transposed (expected genes x cells) "
               "or the gene and cell files swapped";
      throw IoError(msg);
    }
    scan();
    if (!sorted_) load_all();
    rewind();
  }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    if (!begin_chunk(chunk, max_cells)) return false;
    if (!sorted_) {
      copy_cells(all_, next_cell_, chunk);
    } else {
      chunk.indptr.resize(static_cast<std::size_t>(chunk.n_cells) + 1);
      Index total = 0;
      for (Index c = 0; c < chunk.n_cells; ++c) {
        total += per_cell_[static_cast<std::size_t>(next_cell_ + c)];
        chunk.indptr[static_cast<std::size_t>(c) + 1] = total;
      }
      chunk.indices.resize(static_cast<std::size_t>(total));
      chunk.values.resize(static_cast<std::size_t>(total));
      Entry e{};
      for (Index k = 0; k < total;) {
        // The scan proved the file complete and sorted; a failure here means it changed since.
        if (!read_entry(in_, header_, e))
          throw IoError(path_ + ": line " + std::to_string(in_.line_number()) + ": the file changed while it was read");
        const std::int32_t gene = gene_of(e.row);
        if (gene < 0) continue;  // a feature left out
        if (e.col - 1 < next_cell_ || e.col - 1 >= next_cell_ + chunk.n_cells)
          throw IoError(path_ + ": line " + std::to_string(in_.line_number()) + ": the file changed while it was read");
        chunk.indices[static_cast<std::size_t>(k)] = gene;
        chunk.values[static_cast<std::size_t>(k)] = e.value;
        ++k;
      }
      canonicalize_cells(chunk);
    }
    next_cell_ += chunk.n_cells;
    return true;
  }

  void rewind() override {
    next_cell_ = 0;
    if (sorted_) {
      in_.rewind();
      read_header(in_);
    }
  }

 private:
  // The column of file row `row` (1-based), -1 for a feature left out.
  std::int32_t gene_of(Index row) const {
    return gene_map_.empty() ? static_cast<std::int32_t>(row - 1) : gene_map_[static_cast<std::size_t>(row - 1)];
  }

  // One pass: validates every entry and the count, counts entries per cell, checks the order.
  void scan() {
    per_cell_.assign(static_cast<std::size_t>(n_cells()), 0);
    Entry e{};
    Index count = 0, last_col = 0;
    while (read_entry(in_, header_, e)) {
      if (++count > header_.nnz)
        throw IoError(path_ + ": line " + std::to_string(in_.line_number()) + ": more entries than the " +
                      std::to_string(header_.nnz) + " the size line declares; the file is corrupt");
      if (e.col < last_col) sorted_ = false;
      last_col = e.col;
      if (gene_of(e.row) >= 0) ++per_cell_[static_cast<std::size_t>(e.col - 1)];
    }
    if (count < header_.nnz)
      throw IoError(path_ + ": truncated: the size line declares " + std::to_string(header_.nnz) + " entries but the file ends at line " +
                    std::to_string(in_.line_number()) + " after " + std::to_string(count) +
                    "; the file is incomplete, export or download it again");
  }

  // Unsorted files: one more pass placing every entry by cell.
  void load_all() {
    all_.n_cells = n_cells();
    in_.rewind();
    read_header(in_);
    place_by_cell(all_, per_cell_, [&](auto put) {
      Entry e{};
      while (read_entry(in_, header_, e))
        if (const std::int32_t gene = gene_of(e.row); gene >= 0) put(e.col - 1, gene, e.value);
    });
    canonicalize_cells(all_);
  }

  GzipLineReader in_;
  Header header_;
  bool sorted_ = true;
  std::vector<std::int32_t> gene_map_;  // file row -> column (-1: left out); empty: every row
  std::vector<std::int64_t> per_cell_;  // entries read per cell
  io::CellChunk all_;  // the whole matrix, for unsorted files
};

}  // namespace

std::unique_ptr<ReaderBase> open_mtx(const std::string& path, std::vector<std::string> gene_names,
                                     std::vector<std::string> cell_ids, const std::string& genes_from,
                                     const std::string& cells_from, std::vector<std::int32_t> gene_map) {
  return std::make_unique<MtxReader>(path, std::move(gene_names), std::move(cell_ids), genes_from, cells_from,
                                     std::move(gene_map));
}

}  // namespace flashmm::detail
