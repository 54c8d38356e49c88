#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/cell_stream.hpp>

#include <algorithm>

namespace flashmm {

namespace {
SummaryStats shape_of(const DesignBuilder& design, std::vector<std::string> genes) {
  SummaryStats s = SummaryStats::zeros(design.p(), design.q(), static_cast<Index>(genes.size()));
  s.fixed_names = design.fixed_names();
  s.random_names = design.random_names();
  s.component_names = design.component_names();
  s.d = design.d();
  s.gene_names = std::move(genes);
  return s;
}
}  // namespace

CellStreamAccumulator::CellStreamAccumulator(const DesignBuilder& design, std::vector<std::string> gene_names,
                                             Transform transform, int threads, Device device)
    : design_(design), acc_(shape_of(design, std::move(gene_names)), transform, threads) {
  n_rows_ = design.n_metadata_rows();
  std::string note;
  if (use_gpu(device, &note)) gpu_ = std::make_unique<GpuSummaryStatsAccumulator>(acc_.stats(), transform, threads);
  if (!note.empty()) notes_.push_back(note);
}

CellStreamAccumulator::~CellStreamAccumulator() = default;

template <class T>
void CellStreamAccumulator::add(Index first_cell, const CsrView<T>& y) {
  if (first_cell != next_cell_)
    throw InputError("chunks of cells must come in order: expected cell " + std::to_string(next_cell_ + 1) +
                     ", got cell " + std::to_string(first_cell + 1));
  const Index end_cell = first_cell + y.rows;
  if (end_cell > n_rows_)
    throw InputError("the expression data have more cells (at least " + std::to_string(end_cell) +
                     ") than the metadata has rows (" + std::to_string(n_rows_) + ")");
  const auto& used = design_.used_cells();
  const auto u0 = next_used_;
  auto u1 = u0;
  while (u1 < static_cast<Index>(used.size()) && used[static_cast<std::size_t>(u1)] < end_cell) ++u1;
  RowMatrixXd X;
  SparseRowMatrix Z;
  if (design_.needs_cell_totals()) {
    // libsize and nfeatures of this chunk's used cells, from the values before any transform
    // (explicit zeros stored by some files are not features).
    std::vector<double> libsize(static_cast<std::size_t>(u1 - u0)), nfeatures(libsize.size());
    for (Index u = u0; u < u1; ++u) {
      const auto row = static_cast<std::size_t>(used[static_cast<std::size_t>(u)] - first_cell);
      double s = 0, nz = 0;
      for (auto e = y.indptr[row]; e < y.indptr[row + 1]; ++e) {
        const auto v = static_cast<double>(y.values[static_cast<std::size_t>(e)]);
        s += v;
        nz += v != 0;
      }
      libsize[static_cast<std::size_t>(u - u0)] = s;
      nfeatures[static_cast<std::size_t>(u - u0)] = nz;
    }
    design_.build(u0, u1, CellTotals{libsize, nfeatures}, X, Z);
  } else {
    design_.build(u0, u1, X, Z);
  }
  // The kept cells' numbers in the input: the accumulation blocks follow them.
  const std::span<const Index> numbers(used.data() + u0, static_cast<std::size_t>(u1 - u0));
  auto add = [&](const CsrView<T>& rows) {
    if (gpu_) gpu_->add(X, Z, rows, numbers);
    else acc_.add(X, Z, rows, numbers);
  };
  if (u1 - u0 == y.rows) {
    add(y);
  } else {
    // Some cells of this chunk are dropped (missing metadata): keep the rows of the others.
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> indices;
    std::vector<T> values;
    for (Index u = u0; u < u1; ++u) {
      const auto row = static_cast<std::size_t>(used[static_cast<std::size_t>(u)] - first_cell);
      for (auto e = y.indptr[row]; e < y.indptr[row + 1]; ++e) {
        indices.push_back(y.indices[static_cast<std::size_t>(e)]);
        values.push_back(y.values[static_cast<std::size_t>(e)]);
      }
      indptr.push_back(static_cast<std::int64_t>(values.size()));
    }
    CsrView<T> kept;
    kept.rows = u1 - u0;
    kept.cols = y.cols;
    kept.indptr = indptr;
    kept.indices = indices;
    kept.values = values;
    add(kept);
  }
  next_used_ = u1;
  next_cell_ = end_cell;
}

void CellStreamAccumulator::skip(Index cells) {
  const Index end_cell = next_cell_ + cells;
  if (cells < 0 || end_cell > n_rows_)
    throw InputError("cannot skip " + std::to_string(cells) + " cells: only " + std::to_string(n_rows_ - next_cell_) +
                     " are left");
  const auto& used = design_.used_cells();
  while (next_used_ < static_cast<Index>(used.size()) && used[static_cast<std::size_t>(next_used_)] < end_cell) ++next_used_;
  next_cell_ = end_cell;
}

SummaryStats CellStreamAccumulator::finish() {
  if (next_cell_ != n_rows_)
    throw InputError("the expression data ended after " + std::to_string(next_cell_) + " cells but the metadata has " +
                     std::to_string(n_rows_) + " rows");
  return gpu_ ? gpu_->release() : acc_.release();
}

SummaryStats accumulate_cells(io::MatrixReader& reader, CellStreamAccumulator& acc, Index chunk_cells, Index begin,
                              Index end, const ProgressCallback& progress) {
  const Index n_cells = reader.n_cells(), n_genes = reader.n_genes();
  if (end < 0) end = n_cells;
  if (begin < 0 || end > n_cells || begin > end)
    throw InputError("cells " + std::to_string(begin + 1) + " to " + std::to_string(end) + " are not within the " +
                     std::to_string(n_cells) + " cells of " + reader.path());
  io::CellChunk chunk;
  Index position = 0;  // cells of the input passed so far
  if (begin > 0) {  // a shard: the reader jumps to its first cell where it can
    reader.seek(begin);
    acc.skip(begin - acc.cells_seen());
    position = begin;
  }
  while (position < end && reader.next_chunk(chunk, chunk_cells)) {
    const Index c0 = chunk.first_cell, c1 = c0 + chunk.n_cells;
    position = c1;
    if (c1 <= begin) {
      acc.skip(chunk.n_cells);
    } else if (c0 < begin || c1 > end) {
      // The range starts or ends inside this chunk: keep its rows [lo, hi).
      const Index lo = std::max(c0, begin) - c0, hi = std::min(c1, end) - c0;
      acc.skip(lo);
      std::vector<std::int64_t> indptr;
      const CsrView<double> part = csr_rows<double>(chunk.indptr, chunk.indices, chunk.values, n_genes, lo, hi, indptr);
      acc.add(c0 + lo, part);
      acc.skip(chunk.n_cells - hi);
    } else {
      acc.add(c0, chunk.view(n_genes));
    }
    if (progress) progress(ProgressStage::reading, std::min(c1, end) - begin, end - begin);
  }
  acc.skip(n_cells - acc.cells_seen());
  return acc.finish();
}

CellTotalColumns compute_cell_totals(io::MatrixReader& reader, Index chunk_cells,
                                     const ProgressCallback& progress) {
  const auto n = static_cast<std::size_t>(reader.n_cells());
  CellTotalColumns out{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  io::CellChunk chunk;
  while (reader.next_chunk(chunk, chunk_cells)) {
    for (Index c = 0; c < chunk.n_cells; ++c) {
      const auto cell = static_cast<std::size_t>(chunk.first_cell + c);
      double s = 0, nz = 0;  // the order and arithmetic of CellStreamAccumulator::add
      for (auto k = chunk.indptr[static_cast<std::size_t>(c)]; k < chunk.indptr[static_cast<std::size_t>(c) + 1]; ++k) {
        const double v = chunk.values[static_cast<std::size_t>(k)];
        s += v;
        nz += v != 0;  // files may store explicit zeros; they are not features
      }
      out.libsize[cell] = s;
      out.nfeatures[cell] = nz;
    }
    if (progress) progress(ProgressStage::reading, chunk.first_cell + chunk.n_cells, reader.n_cells());
  }
  reader.rewind();
  return out;
}

template void CellStreamAccumulator::add<float>(Index, const CsrView<float>&);
template void CellStreamAccumulator::add<double>(Index, const CsrView<double>&);
template void CellStreamAccumulator::add<std::int32_t>(Index, const CsrView<std::int32_t>&);
template void CellStreamAccumulator::add<std::int64_t>(Index, const CsrView<std::int64_t>&);

}  // namespace flashmm
