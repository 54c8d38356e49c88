// GpuSummaryStatsAccumulator (flashmm/backend.hpp): summary statistics on the GPU. The public
// class (host/util/backend.cpp) forwards to the GpuStats below through the plugin's table
// (util/cuda_plugin.hpp).
//
// Cells are summed in the CPU's blocks (flashmm/summary_stats.hpp, "Determinism"): a chunk is
// cut where it crosses a block boundary, the device holds the open block's partial sums, and
// when a block is done they are downloaded and added to the exact totals on the host, as the
// CPU adds its own; so the two agree to the rounding of log2, whatever the chunks.
//
// Per piece of a chunk (host thread, then one of two streams, alternating: double buffering):
//   host    check the chunk as the CPU does (same messages); design rows to per-cell nonzero
//           lists; X'X, Z'X, Z'Z with the CPU's own code (O(cells), tiny); nnz; copy CSR +
//           design rows into the slot's pinned buffers, checking every value
//   stream  pinned -> device (cudaMemcpyAsync); offsets to int32; values to double with
//           log2(1 + x); CSR -> gene-major CSC (cusparseCsr2cscEx2: cells ascending in each
//           gene, the same output every run); wait for the previous piece's accumulation;
//           continue the open block's XY, ZY, Ynorm, Ysum (one warp per gene, in cell order)
// Before a slot is refilled, the host waits for its previous piece (an event), so the copy of
// piece k+1 into pinned memory overlaps the device work on piece k.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "util/cuda_plugin.hpp"
#include "util/parallel.hpp"
#include "common/resources.hpp"
#include "stats/summary_stats_internal.hpp"
#include "stats/gpu_stats.hpp"
#include "stats/summary_stats_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

namespace flashmm {

namespace {

template <class T>
cuda::ValueType value_type_of() {
  if constexpr (std::is_same_v<T, float>) return cuda::ValueType::f32;
  else if constexpr (std::is_same_v<T, double>) return cuda::ValueType::f64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return cuda::ValueType::i32;
  else return cuda::ValueType::i64;
}

constexpr Index kMaxInt = std::numeric_limits<int>::max();

// Sizes of one chunk, and the capacities of a slot's buffers.
struct ChunkSize {
  Index cells = 0, nnz = 0, x_nnz = 0, z_nnz = 0;
  std::size_t sparse_buffer = 0;  // cuSPARSE csr2csc workspace
};

// One of the two staging slots: pinned host buffers and device buffers for one chunk in
// flight, and the stream and event that order its work. Pointers with h_ are pinned host
// memory, d_ device memory; all are carved from the slot's two allocations.
struct Slot {
  cudaStream_t stream = nullptr;
  cudaEvent_t done = nullptr;  // recorded after the slot's last work; the slot is free after it
  ChunkSize capacity;
  cuda::PinnedBuffer pinned;
  cuda::DeviceBuffer device;

  std::int64_t* h_indptr = nullptr;  // cells + 1
  std::int32_t* h_indices = nullptr; // nnz
  void* h_values = nullptr;          // nnz x sizeof(T) (8 bytes reserved per value)
  int* h_x_start = nullptr;          // cells + 1
  int* h_x_col = nullptr;            // x_nnz
  double* h_x_val = nullptr;         // x_nnz
  int* h_z_start = nullptr;          // cells + 1
  int* h_z_col = nullptr;            // z_nnz
  double* h_z_val = nullptr;         // z_nnz

  std::int64_t* d_indptr = nullptr;  // cells + 1
  int* d_row_ptr = nullptr;          // cells + 1, int32 for cuSPARSE
  int* d_indices = nullptr;          // nnz: gene of each CSR entry
  void* d_values = nullptr;          // nnz x sizeof(T), as stored
  double* d_y = nullptr;             // nnz: transformed values, CSR order
  double* d_csc_value = nullptr;     // nnz: transformed values, gene-major
  int* d_csc_cell = nullptr;         // nnz: cell of each gene-major entry
  int* d_csc_start = nullptr;        // genes + 1
  int* d_x_start = nullptr;
  int* d_x_col = nullptr;
  double* d_x_val = nullptr;
  int* d_z_start = nullptr;
  int* d_z_col = nullptr;
  double* d_z_val = nullptr;
  void* d_sparse_buffer = nullptr;   // capacity.sparse_buffer bytes
};

void carve_pinned(cuda::Carver& c, Slot& s, const ChunkSize& n) {
  const auto cells1 = static_cast<std::size_t>(n.cells) + 1;
  s.h_indptr = c.take<std::int64_t>(cells1);
  s.h_indices = c.take<std::int32_t>(static_cast<std::size_t>(n.nnz));
  s.h_values = c.take_bytes(static_cast<std::size_t>(n.nnz) * 8);
  s.h_x_start = c.take<int>(cells1);
  s.h_x_col = c.take<int>(static_cast<std::size_t>(n.x_nnz));
  s.h_x_val = c.take<double>(static_cast<std::size_t>(n.x_nnz));
  s.h_z_start = c.take<int>(cells1);
  s.h_z_col = c.take<int>(static_cast<std::size_t>(n.z_nnz));
  s.h_z_val = c.take<double>(static_cast<std::size_t>(n.z_nnz));
}

void carve_device(cuda::Carver& c, Slot& s, const ChunkSize& n, Index genes) {
  const auto cells1 = static_cast<std::size_t>(n.cells) + 1, nnz = static_cast<std::size_t>(n.nnz);
  s.d_indptr = c.take<std::int64_t>(cells1);
  s.d_row_ptr = c.take<int>(cells1);
  s.d_indices = c.take<int>(nnz);
  s.d_values = c.take_bytes(nnz * 8);
  s.d_y = c.take<double>(nnz);
  s.d_csc_value = c.take<double>(nnz);
  s.d_csc_cell = c.take<int>(nnz);
  s.d_csc_start = c.take<int>(static_cast<std::size_t>(genes) + 1);
  s.d_x_start = c.take<int>(cells1);
  s.d_x_col = c.take<int>(static_cast<std::size_t>(n.x_nnz));
  s.d_x_val = c.take<double>(static_cast<std::size_t>(n.x_nnz));
  s.d_z_start = c.take<int>(cells1);
  s.d_z_col = c.take<int>(static_cast<std::size_t>(n.z_nnz));
  s.d_z_val = c.take<double>(static_cast<std::size_t>(n.z_nnz));
  s.d_sparse_buffer = c.take_bytes(n.sparse_buffer);
}

// Columns of each design row must be distinct for the warp's lanes to add without races.
void check_distinct_columns(const detail::SparseRows& rows, const char* what, Index first_cell) {
  for (std::size_t i = 0; i + 1 < rows.start.size(); ++i)
    for (Index a = rows.start[i] + 1; a < rows.start[i + 1]; ++a)
      if (rows.col[static_cast<std::size_t>(a)] <= rows.col[static_cast<std::size_t>(a) - 1])
        throw InputError(std::string("the ") + what + " row of cell " + std::to_string(first_cell + static_cast<Index>(i) + 1) +
                         " has columns out of order or repeated; build it with setFromTriplets and makeCompressed");
}

// The accumulator's state and work (the public class's implementation).
struct GpuStats {
  SummaryStats stats;  // host: n, nnz and the exact totals; the open block's XY, ZY, Ynorm, Ysum on the device
  Transform transform = Transform::none;
  int threads = 0;
  Index first_cell = 0;
  Index cell_block = kCellBlock;
  std::unique_ptr<detail::BlockSums> blocks;  // the design part's open block; XY.. receive the downloads
  Index open_block = -1;                      // the block whose partial sums the device holds
  std::unique_ptr<cuda::Resources> res;
  int warps_per_block = 0;

  // The open block's partial sums on the device, one allocation: XY p x G and ZY q x G
  // column-major, Ynorm G, Ysum G; then the error flag.
  cuda::DeviceBuffer totals;
  double* d_XY = nullptr;
  double* d_ZY = nullptr;
  double* d_Ynorm = nullptr;
  double* d_Ysum = nullptr;
  int* d_error = nullptr;
  cudaEvent_t accumulated = nullptr;  // recorded after each chunk's accumulation
  cuda::DeviceBuffer probe;           // 256 bytes: non-null pointers for cuSPARSE's size query
  Slot slots[2];
  int next_slot = 0;

  GpuStats(SummaryStats shape, Transform t, int threads_, Index cell_block_)
      : stats(std::move(shape)), transform(t), threads(threads_), cell_block(cell_block_) {
    std::string why;
    if (!gpu_available(&why)) throw DeviceError("the GPU summary statistics need a usable CUDA device: " + why);
    if (cell_block < 1) throw InputError("the accumulation block must hold at least one cell");
    detail::zero_totals(stats);
    blocks = std::make_unique<detail::BlockSums>(stats);
    const Index p = stats.p(), q = stats.q(), G = stats.genes();
    if (p + q > kMaxInt / 8) throw InputError("the GPU accumulator takes p + q < 2^28 design columns");

    res = std::make_unique<cuda::Resources>(0, 2);
    warps_per_block = cuda::accumulate_warps_per_block(static_cast<int>(p), static_cast<int>(q),
                                                       static_cast<int>(res->properties().sharedMemPerBlockOptin));
    if (warps_per_block < 1)
      throw DeviceError("the GPU accumulator keeps p + q = " + std::to_string(p + q) +
                        " sums per gene in shared memory, more than the device's " +
                        std::to_string(res->properties().sharedMemPerBlockOptin) +
                        " bytes per block; use the CPU (--device cpu)");

    const auto pG = static_cast<std::size_t>(p * G), qG = static_cast<std::size_t>(q * G);
    auto carve = [&](cuda::Carver& c) {
      d_XY = c.take<double>(pG);
      d_ZY = c.take<double>(qG);
      d_Ynorm = c.take<double>(static_cast<std::size_t>(G));
      d_Ysum = c.take<double>(static_cast<std::size_t>(G));
      d_error = c.take<int>(1);
    };
    cuda::Carver counter;
    carve(counter);
    totals = cuda::DeviceBuffer(counter.used(), "the summary statistics' partial sums (XY, ZY, Ynorm, Ysum of " +
                                                    std::to_string(G) + " genes)");
    cuda::Carver carver(totals.data(), totals.bytes());
    carve(carver);

    probe = cuda::DeviceBuffer(256, "a 256-byte probe");
    const cudaStream_t s0 = res->stream(0);
    FLASHMM_CUDA(cudaMemsetAsync(totals.data(), 0, totals.bytes(), s0));
    FLASHMM_CUDA(cudaEventCreateWithFlags(&accumulated, cudaEventDisableTiming));
    FLASHMM_CUDA(cudaEventRecord(accumulated, s0));  // the first chunk waits for the zeroing
    for (int i = 0; i < 2; ++i) {
      slots[i].stream = res->stream(i);
      FLASHMM_CUDA(cudaEventCreateWithFlags(&slots[i].done, cudaEventDisableTiming));
    }
  }

  ~GpuStats() {
    if (res) {
      (void)cudaSetDevice(res->device());
      for (Slot& s : slots) {
        if (s.stream) (void)cudaStreamSynchronize(s.stream);
        if (s.done) (void)cudaEventDestroy(s.done);
      }
      if (accumulated) (void)cudaEventDestroy(accumulated);
    }
  }

  // Makes the (idle) slot's buffers big enough for the chunk, growing by a quarter beyond it so
  // that slightly larger chunks do not reallocate every time.
  void reserve(Slot& s, const ChunkSize& need) {
    const ChunkSize& c = s.capacity;
    const bool fits_host = need.cells <= c.cells && need.nnz <= c.nnz && need.x_nnz <= c.x_nnz && need.z_nnz <= c.z_nnz &&
                           s.pinned.data() != nullptr;
    const bool fits_device = fits_host && need.sparse_buffer <= c.sparse_buffer && s.device.data() != nullptr;
    if (fits_device) return;
    auto grow = [](Index have, Index want) { return want <= have ? have : want + want / 4; };
    ChunkSize n;
    n.cells = grow(c.cells, need.cells);
    n.nnz = grow(c.nnz, need.nnz);
    n.x_nnz = grow(c.x_nnz, need.x_nnz);
    n.z_nnz = grow(c.z_nnz, need.z_nnz);
    n.sparse_buffer = std::max(c.sparse_buffer, need.sparse_buffer + need.sparse_buffer / 4);
    const std::string what = "a chunk of " + std::to_string(need.cells) + " cells with " + std::to_string(need.nnz) +
                             " nonzeros";
    s.pinned = cuda::PinnedBuffer();  // free before allocating the larger ones
    s.device = cuda::DeviceBuffer();
    cuda::Carver host_count, device_count;
    carve_pinned(host_count, s, n);
    carve_device(device_count, s, n, stats.genes());
    s.pinned = cuda::PinnedBuffer(host_count.used(), what + " (pinned staging)");
    s.device = cuda::DeviceBuffer(device_count.used(), what + " (device buffers)");
    cuda::Carver host(s.pinned.data(), s.pinned.bytes()), device(s.device.data(), s.device.bytes());
    carve_pinned(host, s, n);
    carve_device(device, s, n, stats.genes());
    s.capacity = n;
  }

  // Adds a chunk: cut into pieces of one block each, the device's open block closed before a
  // piece of a later one.
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y, std::span<const Index> cells_given) {
    const Index cells = y.rows, G = stats.genes();
    if (y.cols != G)
      throw InputError("the expression chunk has " + std::to_string(y.cols) + " genes, expected " + std::to_string(G));
    detail::check_compressed(y, cells, G, "CSR");
    const std::vector<Index> number = detail::cell_numbers(cells, cells_given, first_cell, blocks->last_cell);
    detail::check_design(stats, X, Z, cells, number.empty() ? first_cell : number.front());
    for (Index r0 = 0; r0 < cells;) {
      const Index block = number[static_cast<std::size_t>(r0)] / cell_block;
      Index r1 = r0 + 1;
      while (r1 < cells && number[static_cast<std::size_t>(r1)] / cell_block == block) ++r1;
      if (open_block >= 0 && block != open_block) close_block();
      open_block = block;
      const std::span<const Index> piece_numbers(number.data() + r0, static_cast<std::size_t>(r1 - r0));
      if (r0 == 0 && r1 == cells) {
        add_piece(X, Z, y, piece_numbers, block);
      } else {
        std::vector<std::int64_t> indptr;
        const CsrView<T> rows = csr_rows<T>(y.indptr, y.indices, y.values, G, r0, r1, indptr);
        const RowMatrixXd Xr = X.middleRows(r0, r1 - r0);
        const SparseRowMatrix Zr = Z.middleRows(r0, r1 - r0);
        add_piece(Xr, Zr, rows, piece_numbers, block);
      }
      r0 = r1;
    }
    if (!number.empty()) {
      blocks->last_cell = number.back();
      first_cell = number.back() + 1;
    }
  }

  // Downloads the open block's partial sums into blocks->XY.. (waiting for the device).
  void download_partials() {
    res->synchronize();
    int error = 0;
    FLASHMM_CUDA(cudaMemcpy(&error, d_error, sizeof(int), cudaMemcpyDeviceToHost));
    if (error != 0)
      throw NumericalError("internal error: the GPU accumulation met an out-of-range index (code " +
                           std::to_string(error) + "); please report this");
    const auto p = static_cast<std::size_t>(stats.p()), q = static_cast<std::size_t>(stats.q()),
               G = static_cast<std::size_t>(stats.genes());
    detail::BlockSums& b = *blocks;
    if (p * G > 0) FLASHMM_CUDA(cudaMemcpy(b.XY.data(), d_XY, p * G * sizeof(double), cudaMemcpyDeviceToHost));
    if (q * G > 0) FLASHMM_CUDA(cudaMemcpy(b.ZY.data(), d_ZY, q * G * sizeof(double), cudaMemcpyDeviceToHost));
    if (G > 0) {
      FLASHMM_CUDA(cudaMemcpy(b.Ynorm.data(), d_Ynorm, G * sizeof(double), cudaMemcpyDeviceToHost));
      FLASHMM_CUDA(cudaMemcpy(b.Ysum.data(), d_Ysum, G * sizeof(double), cudaMemcpyDeviceToHost));
    }
  }

  // Adds the open block's partial sums to the exact totals and zeroes them on the device.
  void close_block() {
    if (open_block < 0) return;
    download_partials();
    detail::BlockSums& b = *blocks;
    detail::parallel_for_blocks(stats.genes(), threads, 64, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g) detail::flush_gene(stats, b, g);
    });
    const cudaStream_t s0 = res->stream(0);
    const auto bytes = static_cast<std::size_t>(reinterpret_cast<char*>(d_error) - reinterpret_cast<char*>(d_XY));
    FLASHMM_CUDA(cudaMemsetAsync(d_XY, 0, bytes, s0));
    FLASHMM_CUDA(cudaEventRecord(accumulated, s0));  // the next piece's accumulation waits for the zeroing
    open_block = -1;
  }

  // One piece of a chunk, all of its cells (numbers) in `block`.
  template <class T>
  void add_piece(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y, std::span<const Index> number,
                 Index block) {
    const Index cells = y.rows, G = stats.genes();
    const auto nnz = static_cast<Index>(y.values.size());
    if (cells >= kMaxInt || nnz >= kMaxInt)
      throw InputError("a chunk of " + std::to_string(cells) + " cells with " + std::to_string(nnz) +
                       " nonzeros is too large for the GPU accumulator (fewer than 2^31 of each): use smaller chunks");
    const detail::SparseRows xr = detail::sparse_rows(X);
    const detail::SparseRows zr = detail::sparse_rows(Z);
    // X's rows come from a dense matrix, column by column: always distinct and increasing.
    check_distinct_columns(zr, "random-effects design Z", number.front());
    if (static_cast<Index>(xr.col.size()) >= kMaxInt || static_cast<Index>(zr.col.size()) >= kMaxInt)
      throw InputError("the chunk's design rows hold 2^31 or more nonzeros: use smaller chunks");
    if (cells == 0) return;

    res->activate();
    Slot& s = slots[next_slot];
    FLASHMM_CUDA(cudaEventSynchronize(s.done));  // the slot's previous chunk is done with its buffers

    ChunkSize need;
    need.cells = cells;
    need.nnz = nnz;
    need.x_nnz = static_cast<Index>(xr.col.size());
    need.z_nnz = static_cast<Index>(zr.col.size());
    cusparseHandle_t sparse = res->cusparse();
    if (nnz > 0)
      // The size query reads no array, but some cuSPARSE versions reject null pointers: pass
      // the (valid, never read) probe allocation for each.
      FLASHMM_CUDA(cusparseCsr2cscEx2_bufferSize(sparse, static_cast<int>(cells), static_cast<int>(G),
                                                 static_cast<int>(nnz), probe.data(), static_cast<int*>(probe.data()),
                                                 static_cast<int*>(probe.data()), probe.data(),
                                                 static_cast<int*>(probe.data()), static_cast<int*>(probe.data()),
                                                 CUDA_R_64F, CUSPARSE_ACTION_NUMERIC,
                                                 CUSPARSE_INDEX_BASE_ZERO, CUSPARSE_CSR2CSC_ALG_DEFAULT,
                                                 &need.sparse_buffer));
    reserve(s, need);

    // Stage the values into pinned memory, checking each as the CPU does. The first bad value
    // in storage order (cell-major, as the CPU walks them) gives the CPU's message.
    const T* src = y.values.data();
    T* dst = static_cast<T*>(s.h_values);
    const bool log2p1 = transform == Transform::log2p1;
    constexpr Index kGrain = Index{1} << 20;
    const Index grains = (nnz + kGrain - 1) / kGrain;
    std::vector<Index> first_bad(static_cast<std::size_t>(grains), -1);
    // Nonzero stored values per gene, counted per grain (then added: integers, any order).
    std::vector<std::vector<std::int64_t>> nonzero(static_cast<std::size_t>(grains));
    detail::parallel_for_blocks(nnz, threads, kGrain, [&](Index e0, Index e1) {
      Index bad = -1;
      std::vector<std::int64_t>& count = nonzero[static_cast<std::size_t>(e0 / kGrain)];
      count.assign(static_cast<std::size_t>(G), 0);
      for (Index e = e0; e < e1; ++e) {
        const T raw = src[e];
        const auto v = static_cast<double>(raw);
        if (bad < 0 && !detail::valid_value(v, transform)) bad = e;
        dst[e] = raw;
        count[static_cast<std::size_t>(y.indices[static_cast<std::size_t>(e)])] += raw != T(0);
      }
      first_bad[static_cast<std::size_t>(e0 / kGrain)] = bad;
    });
    for (Index bad : first_bad) {
      if (bad < 0) continue;
      const auto it = std::upper_bound(y.indptr.begin(), y.indptr.end(), static_cast<std::int64_t>(bad));
      const Index cell = static_cast<Index>(it - y.indptr.begin()) - 1;
      detail::bad_value(static_cast<double>(src[bad]), y.indices[static_cast<std::size_t>(bad)], stats,
                        number[static_cast<std::size_t>(cell)], transform);
    }
    std::memcpy(s.h_indptr, y.indptr.data(), static_cast<std::size_t>(cells + 1) * sizeof(std::int64_t));
    std::memcpy(s.h_indices, y.indices.data(), static_cast<std::size_t>(nnz) * sizeof(std::int32_t));
    for (Index i = 0; i <= cells; ++i) {
      s.h_x_start[i] = static_cast<int>(xr.start[static_cast<std::size_t>(i)]);
      s.h_z_start[i] = static_cast<int>(zr.start[static_cast<std::size_t>(i)]);
    }
    std::memcpy(s.h_x_col, xr.col.data(), xr.col.size() * sizeof(int));
    std::memcpy(s.h_x_val, xr.val.data(), xr.val.size() * sizeof(double));
    std::memcpy(s.h_z_col, zr.col.data(), zr.col.size() * sizeof(int));
    std::memcpy(s.h_z_val, zr.val.data(), zr.val.size() * sizeof(double));

    // The piece is valid: from here on the statistics change. Design part on the host.
    const std::vector<Index> row_block(static_cast<std::size_t>(cells), block);
    detail::add_design_products(stats, *blocks, xr, zr, row_block);
    stats.n += cells;
    for (const auto& count : nonzero)
      for (Index g = 0; g < G; ++g) stats.nnz(g) += count[static_cast<std::size_t>(g)];
    next_slot ^= 1;

    const cudaStream_t st = s.stream;
    auto h2d = [&](void* d, const void* h, std::size_t bytes) {
      if (bytes > 0) FLASHMM_CUDA(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, st));
    };
    const auto cells1 = static_cast<std::size_t>(cells) + 1;
    h2d(s.d_x_start, s.h_x_start, cells1 * sizeof(int));
    h2d(s.d_x_col, s.h_x_col, xr.col.size() * sizeof(int));
    h2d(s.d_x_val, s.h_x_val, xr.val.size() * sizeof(double));
    h2d(s.d_z_start, s.h_z_start, cells1 * sizeof(int));
    h2d(s.d_z_col, s.h_z_col, zr.col.size() * sizeof(int));
    h2d(s.d_z_val, s.h_z_val, zr.val.size() * sizeof(double));
    if (nnz > 0) {
      h2d(s.d_indptr, s.h_indptr, cells1 * sizeof(std::int64_t));
      h2d(s.d_indices, s.h_indices, static_cast<std::size_t>(nnz) * sizeof(std::int32_t));
      h2d(s.d_values, s.h_values, static_cast<std::size_t>(nnz) * sizeof(T));
      cuda::launch_offsets_to_int32(s.d_indptr, cells + 1, s.d_row_ptr, st);
      cuda::launch_transform_values(s.d_values, value_type_of<T>(), nnz, log2p1, s.d_y, st);
      FLASHMM_CUDA(cusparseSetStream(sparse, st));
      FLASHMM_CUDA(cusparseCsr2cscEx2(sparse, static_cast<int>(cells), static_cast<int>(G), static_cast<int>(nnz), s.d_y,
                                      s.d_row_ptr, s.d_indices, s.d_csc_value, s.d_csc_start, s.d_csc_cell, CUDA_R_64F,
                                      CUSPARSE_ACTION_NUMERIC, CUSPARSE_INDEX_BASE_ZERO, CUSPARSE_CSR2CSC_ALG_DEFAULT,
                                      s.d_sparse_buffer));
      // Chunks are added to the totals in the order they came: wait for the previous one.
      FLASHMM_CUDA(cudaStreamWaitEvent(st, accumulated, 0));
      cuda::GeneMajorChunk gm;
      gm.start = s.d_csc_start;
      gm.cell = s.d_csc_cell;
      gm.value = s.d_csc_value;
      gm.genes = G;
      cuda::DesignRows design;
      design.x_start = s.d_x_start;
      design.x_col = s.d_x_col;
      design.x_val = s.d_x_val;
      design.z_start = s.d_z_start;
      design.z_col = s.d_z_col;
      design.z_val = s.d_z_val;
      design.cells = static_cast<int>(cells);
      design.p = static_cast<int>(stats.p());
      design.q = static_cast<int>(stats.q());
      cuda::launch_accumulate_genes(gm, design, d_XY, d_ZY, d_Ynorm, d_Ysum, d_error, warps_per_block, st);
      FLASHMM_CUDA(cudaEventRecord(accumulated, st));
    }
    FLASHMM_CUDA(cudaEventRecord(s.done, st));
  }

  // The statistics with the open blocks' partial sums added to a copy of the exact totals (the
  // blocks stay open).
  const SummaryStats& snapshot() {
    if (open_block >= 0) download_partials();
    detail::BlockSums partial = *blocks;  // every gene's partial sums belong to the open block
    if (open_block >= 0) std::fill(partial.gene_block.begin(), partial.gene_block.end(), open_block);
    detail::round_with_open_blocks(stats, std::move(partial), threads);
    return stats;
  }

  SummaryStats release() {
    close_block();
    res->synchronize();
    if (blocks->design_block >= 0) detail::flush_design(stats, *blocks);
    stats.round_exact(threads);
    return std::move(stats);
  }
};

class GpuStatsBackendImpl final : public detail::GpuStatsBackend {
 public:
  GpuStatsBackendImpl(SummaryStats shape, Transform transform, int threads, Index cell_block)
      : impl_(std::move(shape), transform, threads, cell_block) {}
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<float>& y,
           std::span<const Index> cells) override {
    impl_.add(X, Z, y, cells);
  }
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<double>& y,
           std::span<const Index> cells) override {
    impl_.add(X, Z, y, cells);
  }
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<std::int32_t>& y,
           std::span<const Index> cells) override {
    impl_.add(X, Z, y, cells);
  }
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<std::int64_t>& y,
           std::span<const Index> cells) override {
    impl_.add(X, Z, y, cells);
  }
  const SummaryStats& stats() override { return impl_.snapshot(); }
  SummaryStats release() override { return impl_.release(); }
  void set_first_cell(Index first_cell) override { impl_.first_cell = first_cell; }

 private:
  GpuStats impl_;
};

}  // namespace

namespace cuda {

std::unique_ptr<detail::GpuStatsBackend> make_stats_backend(SummaryStats shape, Transform transform, int threads,
                                                            Index cell_block) {
  return std::make_unique<GpuStatsBackendImpl>(std::move(shape), transform, threads, cell_block);
}

}  // namespace cuda

}  // namespace flashmm
