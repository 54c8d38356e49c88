#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace flashmm::detail {

namespace {

// A name as a message shows it: control characters written as escapes, so that a tab is seen.
std::string shown(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out + "'";
}

// Names end up as fields of tab-separated tables, one row a line.
void check_text(const std::vector<std::string>& names, const std::string& from, const char* what) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& s = names[i];
    if (s.empty())
      throw IoError(from + ": " + what + " " + std::to_string(i + 1) + " of " + std::to_string(names.size()) +
                    " is empty; every " + what + " must be a non-empty name");
    const auto bad = s.find_first_of("\t\n\r");
    if (bad != std::string::npos)
      throw IoError(from + ": " + what + " " + std::to_string(i + 1) + " (" + shown(s) + ") contains " +
                    (s[bad] == '\t' ? "a tab" : s[bad] == '\n' ? "a newline" : "a carriage return") +
                    ", which would corrupt the tab-separated results; rename it in the file");
  }
}

// A cell barcode as sequencers write them: a run of at least 12 bases (10x: 16), with at most a
// short sample prefix or suffix ("AAACCTGAGAAGGCCT-1", "s1_AAACCTGAGAAGGCCT").
bool looks_like_barcode(std::string_view s) {
  std::size_t run = 0, best = 0;
  for (char c : s) {
    run = (c == 'A' || c == 'C' || c == 'G' || c == 'T' || c == 'N') ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best >= 12 && s.size() <= best + 20;
}

// Whether most of the first names look like barcodes.
bool mostly_barcodes(const std::vector<std::string>& names) {
  const std::size_t n = std::min<std::size_t>(names.size(), 1000);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < n; ++i) hits += looks_like_barcode(names[i]) ? 1 : 0;
  return n > 0 && 10 * hits >= 9 * n;
}

// The first name equal to an earlier one, as (earlier, later) positions; (-1, -1) when all differ.
// An open-addressing table of positions: 10^7 cell ids without a node each.
std::pair<std::int64_t, std::int64_t> first_repeat(const std::vector<std::string>& names) {
  std::size_t size = 16;
  while (size < 2 * names.size()) size *= 2;
  std::vector<std::uint32_t> slot(size, 0);  // position + 1; 0: empty
  const std::hash<std::string_view> hash;
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t h = hash(names[i]) & (size - 1);; h = (h + 1) & (size - 1)) {
      if (slot[h] == 0) {
        slot[h] = static_cast<std::uint32_t>(i + 1);
        break;
      }
      if (names[slot[h] - 1] == names[i]) return {static_cast<std::int64_t>(slot[h] - 1), static_cast<std::int64_t>(i)};
    }
  }
  return {-1, -1};
}

}  // namespace

Index ReaderBase::checked_seek(Index first_cell) const {
  if (first_cell < 0 || first_cell > n_cells())
    throw InputError("MatrixReader::seek: cell " + std::to_string(first_cell + 1) + " is not within the " +
                     std::to_string(n_cells()) + " cells of " + path_);
  return first_cell;
}

bool ReaderBase::begin_chunk(io::CellChunk& chunk, Index max_cells, bool keep_buffers) {
  if (max_cells < 1) throw InputError("MatrixReader::next_chunk: max_cells must be >= 1, got " + std::to_string(max_cells));
  chunk.first_cell = next_cell_;
  chunk.n_cells = std::min(max_cells, n_cells() - next_cell_);
  const bool none = chunk.n_cells <= 0;
  if (none || !keep_buffers) {
    chunk.indptr.assign(1, 0);
    chunk.indices.clear();
    chunk.values.clear();
  }
  if (none) chunk.n_cells = 0;
  return !none;
}

void ReaderBase::check_names() {
  const std::string genes_from = genes_from_.empty() ? path_ : genes_from_;
  const std::string cells_from = cells_from_.empty() ? path_ : cells_from_;
  if (gene_names_.empty())
    throw IoError(genes_from + ": the matrix has no genes; there is nothing to fit (is it the right file?)");
  if (cell_ids_.empty())
    throw IoError(cells_from + ": the matrix has no cells; there is nothing to fit (is it the right file?)");
  check_text(gene_names_, genes_from, "gene name");
  check_text(cell_ids_, cells_from, "cell id");

  const auto [first, again] = first_repeat(cell_ids_);
  if (again >= 0)
    throw IoError(cells_from + ": cell id " + shown(cell_ids_[static_cast<std::size_t>(again)]) +
                  " appears more than once (cells " + std::to_string(first + 1) + " and " + std::to_string(again + 1) +
                  "); cell ids must be unique, or cells would share a metadata row: make them unique where the "
                  "file is written (scanpy: adata.obs_names_make_unique(); barcodes of several 10x samples: "
                  "prefix each with its sample)");

  std::string example;
  const Index renamed = make_unique_names(gene_names_, example);
  if (renamed > 0)
    warnings_.push_back(genes_from + ": " + std::to_string(renamed) + " gene name" + (renamed == 1 ? "" : "s") +
                        " repeat an earlier one (e.g. " + shown(example) +
                        "); made unique as anndata's var_names_make_unique does (" + shown(example) + ", " +
                        shown(example + "-1") + ", ...)");
  if (mostly_barcodes(gene_names_) && !mostly_barcodes(cell_ids_))
    warnings_.push_back(genes_from + ": the gene names look like cell barcodes (e.g. " + shown(gene_names_.front()) +
                        "): the matrix may be transposed; flashmm reads genes x cells here (R: write t(m); "
                        "pandas: df.T), or the gene and cell name files are swapped");
}

Index make_unique_names(std::vector<std::string>& names, std::string& example) {
  std::unordered_set<std::string> taken(names.begin(), names.end());
  if (taken.size() == names.size()) return 0;
  std::unordered_set<std::string_view> first;
  std::vector<std::size_t> repeats;
  first.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    if (!first.insert(names[i]).second) repeats.push_back(i);
  std::unordered_map<std::string, Index> counter;
  example = names[repeats.front()];
  std::vector<std::string> renamed(repeats.size());
  for (std::size_t r = 0; r < repeats.size(); ++r) {
    const std::string& v = names[repeats[r]];
    for (;;) {
      const std::string candidate = v + "-" + std::to_string(++counter[v]);
      if (taken.insert(candidate).second) {
        renamed[r] = candidate;
        break;
      }
    }
  }
  // Renamed only now: `first` views the original names.
  for (std::size_t r = 0; r < repeats.size(); ++r) names[repeats[r]] = std::move(renamed[r]);
  return static_cast<Index>(repeats.size());
}

Index order_breaks(const io::CellChunk& chunk, std::int64_t lo, std::int64_t hi) {
  const std::int32_t* idx = chunk.indices.data();
  // Steps that do not go up, over all entries (a loop without exits, so it vectorises), less
  // those where a cell starts.
  Index breaks = 0;
  for (auto k = std::max<std::int64_t>(lo, 1); k < hi; ++k) breaks += idx[k] <= idx[k - 1] ? 1 : 0;
  auto c = std::upper_bound(chunk.indptr.begin(), chunk.indptr.end(), std::max<std::int64_t>(lo, 1) - 1);
  for (std::int64_t last = -1; c != chunk.indptr.end() && *c < hi; ++c) {
    if (*c != last && *c >= 1) breaks -= idx[*c] <= idx[*c - 1] ? 1 : 0;
    last = *c;
  }
  return breaks;
}

void canonicalize_cells(io::CellChunk& chunk) {
  if (order_breaks(chunk, 0, chunk.indptr.back()) == 0) return;
  std::vector<std::size_t> order;
  std::vector<std::int32_t> idx;
  std::vector<double> val;
  std::int64_t w = 0;  // entries kept so far; cells are compacted in place, front to back
  std::int64_t b = chunk.indptr[0];
  for (Index c = 0; c < chunk.n_cells; ++c) {
    const auto e = chunk.indptr[static_cast<std::size_t>(c) + 1];
    const auto ub = static_cast<std::size_t>(b), ue = static_cast<std::size_t>(e);
    if (!std::is_sorted(chunk.indices.begin() + b, chunk.indices.begin() + e)) {
      order.resize(ue - ub);
      std::iota(order.begin(), order.end(), ub);
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t x, std::size_t y) { return chunk.indices[x] < chunk.indices[y]; });
      idx.clear();
      val.clear();
      for (std::size_t k : order) {
        idx.push_back(chunk.indices[k]);
        val.push_back(chunk.values[k]);
      }
      std::copy(idx.begin(), idx.end(), chunk.indices.begin() + b);
      std::copy(val.begin(), val.end(), chunk.values.begin() + b);
    }
    const std::int64_t start = w;
    for (auto k = b; k < e; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      if (w > start && chunk.indices[static_cast<std::size_t>(w - 1)] == chunk.indices[uk]) {
        chunk.values[static_cast<std::size_t>(w - 1)] += chunk.values[uk];  // a repeated entry: summed
      } else {
        chunk.indices[static_cast<std::size_t>(w)] = chunk.indices[uk];
        chunk.values[static_cast<std::size_t>(w)] = chunk.values[uk];
        ++w;
      }
    }
    b = e;
    chunk.indptr[static_cast<std::size_t>(c) + 1] = w;
  }
  chunk.indices.resize(static_cast<std::size_t>(w));
  chunk.values.resize(static_cast<std::size_t>(w));
}

void apply_gene_map(io::CellChunk& chunk, const std::vector<std::int32_t>& gene_map) {
  std::int64_t w = 0, b = chunk.indptr[0];
  for (Index c = 0; c < chunk.n_cells; ++c) {
    const auto e = chunk.indptr[static_cast<std::size_t>(c) + 1];
    for (auto k = b; k < e; ++k) {
      const std::int32_t g = gene_map[static_cast<std::size_t>(chunk.indices[static_cast<std::size_t>(k)])];
      if (g < 0) continue;
      chunk.indices[static_cast<std::size_t>(w)] = g;
      chunk.values[static_cast<std::size_t>(w)] = chunk.values[static_cast<std::size_t>(k)];
      ++w;
    }
    b = e;
    chunk.indptr[static_cast<std::size_t>(c) + 1] = w;
  }
  chunk.indices.resize(static_cast<std::size_t>(w));
  chunk.values.resize(static_cast<std::size_t>(w));
}

void place_by_cell(io::CellChunk& chunk, Index first, const std::vector<std::int64_t>& cells,
                   const std::vector<std::int32_t>& genes, const std::vector<double>& values) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(chunk.n_cells), 0);
  for (auto cell : cells) ++counts[static_cast<std::size_t>(cell - first)];
  place_by_cell(chunk, counts, [&](auto put) {
    for (std::size_t k = 0; k < cells.size(); ++k) put(cells[k] - first, genes[k], values[k]);
  });
}

void copy_cells(const io::CellChunk& m, Index first, io::CellChunk& chunk) {
  const auto b = static_cast<std::size_t>(m.indptr[static_cast<std::size_t>(first)]);
  const auto e = static_cast<std::size_t>(m.indptr[static_cast<std::size_t>(first + chunk.n_cells)]);
  chunk.indptr.resize(static_cast<std::size_t>(chunk.n_cells) + 1);
  for (Index c = 0; c <= chunk.n_cells; ++c)
    chunk.indptr[static_cast<std::size_t>(c)] = m.indptr[static_cast<std::size_t>(first + c)] - static_cast<std::int64_t>(b);
  chunk.indices.assign(m.indices.begin() + static_cast<std::ptrdiff_t>(b), m.indices.begin() + static_cast<std::ptrdiff_t>(e));
  chunk.values.assign(m.values.begin() + static_cast<std::ptrdiff_t>(b), m.values.begin() + static_cast<std::ptrdiff_t>(e));
}

}  // namespace flashmm::detail
