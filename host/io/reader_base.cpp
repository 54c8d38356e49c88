#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <numeric>

namespace flashmm::detail {

bool ReaderBase::begin_chunk(io::CellChunk& chunk, Index max_cells) {
  if (max_cells < 1) throw InputError("MatrixReader::next_chunk: max_cells must be >= 1, got " + std::to_string(max_cells));
  chunk.first_cell = next_cell_;
  chunk.n_cells = std::min(max_cells, n_cells() - next_cell_);
  chunk.indptr.assign(1, 0);
  chunk.indices.clear();
  chunk.values.clear();
  if (chunk.n_cells <= 0) {
    chunk.n_cells = 0;
    return false;
  }
  return true;
}

void sort_cells_by_gene(io::CellChunk& chunk) {
  std::vector<std::size_t> order;
  std::vector<std::int32_t> idx;
  std::vector<double> val;
  for (Index c = 0; c < chunk.n_cells; ++c) {
    const auto b = static_cast<std::size_t>(chunk.indptr[static_cast<std::size_t>(c)]);
    const auto e = static_cast<std::size_t>(chunk.indptr[static_cast<std::size_t>(c) + 1]);
    if (std::is_sorted(chunk.indices.begin() + static_cast<std::ptrdiff_t>(b), chunk.indices.begin() + static_cast<std::ptrdiff_t>(e)))
      continue;
    order.resize(e - b);
    std::iota(order.begin(), order.end(), b);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return chunk.indices[x] < chunk.indices[y]; });
    idx.clear();
    val.clear();
    for (std::size_t k : order) {
      idx.push_back(chunk.indices[k]);
      val.push_back(chunk.values[k]);
    }
    std::copy(idx.begin(), idx.end(), chunk.indices.begin() + static_cast<std::ptrdiff_t>(b));
    std::copy(val.begin(), val.end(), chunk.values.begin() + static_cast<std::ptrdiff_t>(b));
  }
}

void check_gene_indices(const io::CellChunk& chunk, Index n_genes, const std::string& where) {
  for (std::size_t k = 0; k < chunk.indices.size(); ++k) {
    if (chunk.indices[k] < 0 || chunk.indices[k] >= n_genes) {
      // Find the cell for the message.
      const auto it = std::upper_bound(chunk.indptr.begin(), chunk.indptr.end(), static_cast<std::int64_t>(k));
      const Index cell = chunk.first_cell + static_cast<Index>(it - chunk.indptr.begin()) - 1;
      throw IoError(where + ": gene index " + std::to_string(chunk.indices[k]) + " of cell " + std::to_string(cell) +
                    " is outside 0.." + std::to_string(n_genes - 1) + "; the file is corrupt or inconsistent");
    }
  }
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
