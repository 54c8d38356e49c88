// Streams a compressed matrix stored one row per cell (h5ad CSR, Cell Ranger .h5). A chunk of
// cells is one range of indices and one of data. Where both datasets can be read directly
// (H5DirectReader: deflate/shuffle chunks or contiguous storage) their stored chunks are decoded
// on all threads, and the next chunk of cells is decoded in the background while the caller
// works on the current one (the same max_cells is assumed; another request waits for the
// background work and decodes what is asked). Otherwise HDF5 reads them (two hyperslab reads).
// Memory: indptr (8 bytes a cell) plus two chunks of cells.
#include "io/h5_direct_reader.hpp"
#include "io/h5_matrix_readers.hpp"
#include "util/parallel.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <future>

namespace flashmm::detail {

namespace {

class CellMajorReader final : public H5ReaderBase {
 public:
  CellMajorReader(H5MatrixSource source, hid_t group, const CellMajorOptions& options)
      : H5ReaderBase(std::move(source)),
        data_(h5::open_dataset(group, "data")),
        indices_(h5::open_dataset(group, "indices")),
        where_(path_ + ": " + h5::object_name(group)),
        file_genes_(options.file_genes < 0 ? n_genes() : options.file_genes),
        gene_map_(options.gene_map),
        threads_(resolve_threads(options.threads)),
        chunk_entries_(std::max<std::int64_t>(1, options.chunk_entries)) {
    check_value_type(data_);
    const Index nnz = h5::length(data_);
    if (h5::length(indices_) != nnz) throw IoError(where_ + ": data and indices differ in length; the file is corrupt");
    indptr_ = read_indptr(group, n_cells(), nnz, where_, "cell");
    direct_data_ = std::make_unique<H5DirectReader>(data_, path_, where_ + "/data");
    direct_indices_ = std::make_unique<H5DirectReader>(indices_, path_, where_ + "/indices");
    direct_ = direct_data_->direct() && direct_indices_->direct();
    scratch_.resize(static_cast<std::size_t>(threads_));
  }

  ~CellMajorReader() override { drop_prefetch(); }

  bool next_chunk(io::CellChunk& chunk, Index max_cells) override {
    // The chunk's buffers keep their size: decoding into them overwrites every element, and
    // growing them from empty would first zero them.
    if (!begin_chunk(chunk, cells_within_budget(next_cell_, max_cells), true)) {
      drop_prefetch();
      return false;
    }
    const Index a = next_cell_, b = next_cell_ + chunk.n_cells;
    if (pending_.valid() && pending_first_ == a && pending_end_ == b) {
      pending_.get();  // rethrows what went wrong in the background
      std::swap(chunk.indptr, ahead_.indptr);
      std::swap(chunk.indices, ahead_.indices);
      std::swap(chunk.values, ahead_.values);
    } else {
      drop_prefetch();
      if (direct_) {
        Plan plan = make_plan(a, b);
        decode(plan, chunk);
      } else {
        read_with_hdf5(a, b, chunk);
      }
    }
    next_cell_ = b;
    start_ahead(max_cells);
    return true;
  }

  void prefetch(Index max_cells) override {
    if (!pending_.valid() && max_cells >= 1) start_ahead(max_cells);
  }

  void rewind() override {
    drop_prefetch();
    next_cell_ = 0;
  }
  void seek(Index first_cell) override {
    drop_prefetch();
    next_cell_ = checked_seek(first_cell);
  }

 private:
  // Chunks of fewer entries are decoded on the caller's thread alone, when asked for.
  static constexpr std::int64_t kAheadEntries = std::int64_t{1} << 16;
  // How many of the cells from `first` on a chunk of at most max_cells takes: fewer where their
  // entries would pass chunk_entries_ (at least one cell, however many entries it has). Two
  // chunks are held (the one in use and the next): 20,000 cells of 3,000 genes each would
  // otherwise take 720 MB a chunk, and faulting in fresh pages costs as much as decoding them.
  Index cells_within_budget(Index first, Index max_cells) const {
    if (max_cells < 1) return max_cells;  // begin_chunk refuses it
    const Index end = std::min(n_cells(), first + max_cells);
    if (first >= end) return max_cells;
    const std::int64_t start = indptr_[static_cast<std::size_t>(first)];
    if (indptr_[static_cast<std::size_t>(end)] - start <= chunk_entries_) return max_cells;
    // The last cell whose chunk still fits (indptr_ is nondecreasing).
    const auto it = std::upper_bound(indptr_.begin() + first + 1, indptr_.begin() + end + 1, start + chunk_entries_);
    return std::max<Index>(1, static_cast<Index>(it - indptr_.begin()) - 1 - first);
  }

  struct Plan {
    Index first_cell = 0, n_cells = 0;
    std::vector<DatasetPiece> indices, data;
  };

  Plan make_plan(Index a, Index b) {
    Plan p;
    p.first_cell = a;
    p.n_cells = b - a;
    const std::int64_t start = indptr_[static_cast<std::size_t>(a)];
    const std::int64_t count = indptr_[static_cast<std::size_t>(b)] - start;
    // A small chunk is decoded by the first scratch alone, which may hold its stored chunks.
    const DecodeScratch* cached = count < kAheadEntries ? &scratch_.front() : nullptr;
    direct_indices_->plan(start, count, p.indices, cached);
    direct_data_->plan(start, count, p.data, cached);
    return p;
  }

  // Starts decoding the next min(max_cells, cells left) cells in the background. Small chunks
  // are decoded when asked for: a thread per chunk would cost more than it saves.
  void start_ahead(Index max_cells) {
    const Index b = next_cell_, end = std::min(n_cells(), b + cells_within_budget(b, max_cells));
    if (!direct_ || b >= n_cells() ||
        indptr_[static_cast<std::size_t>(end)] - indptr_[static_cast<std::size_t>(b)] < kAheadEntries)
      return;
    // HDF5 is used here, on the caller's thread; the background only decodes.
    auto plan = std::make_shared<Plan>(make_plan(b, end));
    ahead_.first_cell = b;
    ahead_.n_cells = end - b;
    pending_first_ = b;
    pending_end_ = end;
    pending_ = std::async(std::launch::async, [this, plan] { decode(*plan, ahead_); });
  }

  // Waits for the background decoding, if any, and forgets it (and what went wrong in it).
  void drop_prefetch() {
    if (!pending_.valid()) return;
    try {
      pending_.get();
    } catch (...) {
      // The block was not asked for; if it is, it is decoded again and fails there.
    }
  }

  void set_indptr(Index a, Index n, io::CellChunk& out) const {
    const std::int64_t start = indptr_[static_cast<std::size_t>(a)];
    out.indptr.resize(static_cast<std::size_t>(n) + 1);
    for (Index c = 0; c <= n; ++c) out.indptr[static_cast<std::size_t>(c)] = indptr_[static_cast<std::size_t>(a + c)] - start;
  }

  // The chunk from its stored pieces, on threads_ threads; no HDF5 call.
  void decode(const Plan& plan, io::CellChunk& out) {
    set_indptr(plan.first_cell, plan.n_cells, out);
    const auto count = static_cast<std::size_t>(out.indptr.back());
    reserve_with_room(out, count);
    out.indices.resize(count);
    out.values.resize(count);
    const std::int64_t start = indptr_[static_cast<std::size_t>(plan.first_cell)];
    const auto n_idx = static_cast<Index>(plan.indices.size());
    const auto n_tasks = n_idx + static_cast<Index>(plan.data.size());
    std::vector<Index> bad_at(plan.indices.size(), -1), breaks(plan.indices.size(), 0);
    std::vector<std::string> bad_value(plan.indices.size());
    // A small chunk on this thread alone: it reuses the stored chunks its scratch holds.
    const int threads = static_cast<std::int64_t>(count) < kAheadEntries ? 1 : threads_;
    parallel_for_slots(n_tasks, threads, [&](Index t, int slot) {
      DecodeScratch& s = scratch_[static_cast<std::size_t>(slot)];
      if (t < n_idx) {
        const DatasetPiece& p = plan.indices[static_cast<std::size_t>(t)];
        const Index at = direct_indices_->decode(p, s, out.indices.data() + (p.first - start), file_genes_,
                                                 bad_value[static_cast<std::size_t>(t)]);
        if (at >= 0) bad_at[static_cast<std::size_t>(t)] = p.first - start + at;
        // The order within the piece while it is in cache; its first step, across pieces, below.
        const std::int64_t lo = p.first - start;
        breaks[static_cast<std::size_t>(t)] = order_breaks(out, lo + 1, lo + p.count);
      } else {
        const DatasetPiece& p = plan.data[static_cast<std::size_t>(t - n_idx)];
        direct_data_->decode(p, s, out.values.data() + (p.first - start));
      }
    });
    for (std::size_t t = 0; t < bad_at.size(); ++t)
      if (bad_at[t] >= 0) throw_bad_gene(out, plan.first_cell, bad_at[t], bad_value[t]);
    Index total = 0;
    for (std::size_t t = 0; t < breaks.size(); ++t) {
      const std::int64_t lo = plan.indices[t].first - start;
      total += breaks[t] + order_breaks(out, lo, lo + 1);
    }
    finish(out, total);
  }

  // Chunks of cells differ a little in entries: growing by a quarter at a time spares a copy
  // and fresh pages at every chunk that is a little larger than the last.
  static void reserve_with_room(io::CellChunk& out, std::size_t count) {
    if (out.values.capacity() < count) out.values.reserve(count + count / 4);
    if (out.indices.capacity() < count) out.indices.reserve(count + count / 4);
  }

  void read_with_hdf5(Index a, Index b, io::CellChunk& out) {
    set_indptr(a, b - a, out);
    const std::int64_t start = indptr_[static_cast<std::size_t>(a)];
    const auto count = static_cast<std::size_t>(out.indptr.back());
    reserve_with_room(out, count);
    out.indices.resize(count);
    out.values.resize(count);
    // Indices as int64, so that one beyond int32 is reported as it is stored, not clamped.
    wide_.resize(count);
    h5::read_slice(indices_, H5T_NATIVE_INT64, start, static_cast<Index>(count), wide_.data());
    h5::read_slice(data_, H5T_NATIVE_DOUBLE, start, static_cast<Index>(count), out.values.data());
    for (std::size_t k = 0; k < count; ++k) {
      if (wide_[k] < 0 || wide_[k] >= file_genes_)
        throw_bad_gene(out, a, static_cast<Index>(k), std::to_string(wide_[k]));
      out.indices[k] = static_cast<std::int32_t>(wide_[k]);
    }
    finish(out);
  }

  [[noreturn]] void throw_bad_gene(const io::CellChunk& out, Index first_cell, Index entry, const std::string& value) const {
    const auto it = std::upper_bound(out.indptr.begin(), out.indptr.end(), static_cast<std::int64_t>(entry));
    const Index cell = first_cell + static_cast<Index>(it - out.indptr.begin()) - 1;
    throw IoError(where_ + "/indices: gene index " + value + " of cell " + std::to_string(cell) + " is outside 0.." +
                  std::to_string(file_genes_ - 1) + "; the file is corrupt or inconsistent");
  }

  // Features left out, then each cell in order with repeated entries summed. `breaks`: the
  // order breaks of the chunk as decoded (order_breaks), or -1 when not counted yet.
  void finish(io::CellChunk& out, Index breaks = -1) const {
    if (!gene_map_.empty()) {
      apply_gene_map(out, gene_map_);
      breaks = -1;
    }
    if (breaks < 0) {
      constexpr Index kCells = 4096;
      std::vector<Index> per_block(static_cast<std::size_t>((out.n_cells + kCells - 1) / kCells), 0);
      parallel_for_blocks(out.n_cells, threads_, kCells, [&](Index c0, Index c1) {
        per_block[static_cast<std::size_t>(c0 / kCells)] =
            order_breaks(out, out.indptr[static_cast<std::size_t>(c0)], out.indptr[static_cast<std::size_t>(c1)]);
      });
      breaks = 0;
      for (Index b : per_block) breaks += b;
    }
    if (breaks > 0) canonicalize_cells(out);
  }

  h5::Handle data_, indices_;
  std::vector<std::int64_t> indptr_;
  std::string where_;
  Index file_genes_;                    // the bound of stored gene indices (features, for 10x)
  std::vector<std::int32_t> gene_map_;  // file feature -> column, -1 left out; empty: all
  int threads_;
  std::int64_t chunk_entries_;          // the most entries of a chunk (of more than one cell)
  std::unique_ptr<H5DirectReader> direct_data_, direct_indices_;
  bool direct_ = false;
  std::vector<DecodeScratch> scratch_;  // one per thread; used by one decode at a time
  std::vector<std::int64_t> wide_;      // indices as read by HDF5
  io::CellChunk ahead_;                 // the next chunk, decoded in the background
  std::future<void> pending_;
  Index pending_first_ = -1, pending_end_ = -1;
};

}  // namespace

std::unique_ptr<ReaderBase> make_cell_major_reader(H5MatrixSource source, hid_t group, const CellMajorOptions& options) {
  return std::make_unique<CellMajorReader>(std::move(source), group, options);
}

}  // namespace flashmm::detail
