// Dense genes x cells text tables (CSV or TSV, optionally gzip): header = [corner] cell ids,
// then one row per gene: name, values. Rows are genes, so no cell can be handed out before the
// last row is read: the table is read whole and kept sparse (12 bytes a non-zero). Meant for
// small data; convert large tables to .h5ad or .mtx.
#include "io/gzip_lines.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <charconv>

namespace flashmm::detail {

namespace {

class DenseTextReader final : public ReaderBase {
 public:
  explicit DenseTextReader(const std::string& path) : ReaderBase(path) {
    GzipLineReader in(path);
    std::string_view line;
    if (!in.next(line)) throw IoError(path + ": empty file; expected a header of cell ids");
    const char sep = line.find('\t') != std::string_view::npos ? '\t' : ',';
    auto header = split(line, sep);
    // The header either starts with a corner label (same width as the rows) or only lists cells;
    // decided by the first data row's width.
    std::vector<std::string> head;
    for (auto h : header) head.emplace_back(unquote(h));
    std::vector<std::int64_t> cell_of;
    std::vector<std::int32_t> gene_of;
    std::vector<double> vals;
    bool first_row = true;
    std::vector<std::string_view> f;
    while (in.next(line)) {
      if (line.empty()) continue;
      f = split(line, sep);
      if (first_row) {
        first_row = false;
        if (f.size() == head.size()) head.erase(head.begin());
        else if (f.size() != head.size() + 1)
          throw IoError(path + ": line " + std::to_string(in.line_number()) + " has " + std::to_string(f.size()) +
                        " fields but the header names " + std::to_string(head.size()) + " cells");
        cell_ids_ = head;
      }
      if (f.size() != cell_ids_.size() + 1)
        throw IoError(path + ": line " + std::to_string(in.line_number()) + " has " + std::to_string(f.size()) +
                      " fields, expected " + std::to_string(cell_ids_.size() + 1) + " (gene name + one value per cell)");
      const auto g = static_cast<std::int32_t>(gene_names_.size());
      gene_names_.emplace_back(unquote(f[0]));
      for (std::size_t c = 1; c < f.size(); ++c) {
        double v = 0;
        std::string_view s = unquote(f[c]);
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size())
          throw IoError(path + ": line " + std::to_string(in.line_number()) + ", column " + std::to_string(c + 1) + ": '" +
                        std::string(s) + "' is not a number");
        if (v != 0.0) {
          cell_of.push_back(static_cast<std::int64_t>(c - 1));
          gene_of.push_back(g);
          vals.push_back(v);
        }
      }
    }
    if (first_row) cell_ids_ = head.size() > 0 ? std::vector<std::string>(head.begin() + 1, head.end()) : head;
    if (cell_ids_.empty() || gene_names_.empty())
      throw IoError(path + ": no " + std::string(cell_ids_.empty() ? "cell columns" : "gene rows") +
                    "; expected a dense genes x cells table (comma or tab separated, header of cell ids)");
    // Entries arrive in gene order, so genes stay ascending within a cell.
    m_.n_cells = static_cast<Index>(cell_ids_.size());
    place_by_cell(m_, 0, cell_of, gene_of, vals);
  }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    if (!begin_chunk(chunk, max_cells)) return false;
    copy_cells(m_, next_cell_, chunk);
    next_cell_ += chunk.n_cells;
    return true;
  }
  void rewind() override { next_cell_ = 0; }
  void seek(Index first_cell) override { next_cell_ = checked_seek(first_cell); }

 private:
  io::CellChunk m_;  // the whole matrix
};

}  // namespace

std::unique_ptr<ReaderBase> open_dense_text(const std::string& path) { return std::make_unique<DenseTextReader>(path); }

}  // namespace flashmm::detail
