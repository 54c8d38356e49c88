#pragma once
// The compute backends: CPU (always) and CUDA GPU (when flashmm was built with nvcc and a device
// is usable). Compiles with any C++ compiler: no CUDA header is included here.
//
// Two ways to use the GPU:
//   1. Dispatch: LmmOptions::device and the `device` argument of CellStreamAccumulator take a
//      Device; `automatic` uses the GPU when gpu_available(), else the CPU, and returns the
//      reason as a note (LmmFit::notes, CellStreamAccumulator::notes) for the caller to show.
//      Results agree with the CPU ones to rounding (the per-gene arithmetic is the same inline
//      code, flashmm/detail/). The library itself never prints.
//   2. Direct: GpuSummaryStatsAccumulator below, which throws DeviceError when no GPU is usable.
//
// Everything here works whether or not CUDA was compiled in: without it, gpu_available() is
// false with the reason "built without CUDA", and the GPU entry points throw DeviceError.
#include <flashmm/device.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace flashmm {

/// True when flashmm was built with CUDA and device 0 can run its kernels (a driver, a device,
/// and kernel code for its architecture). Otherwise false, and *why_not (when given) says why,
/// e.g. "no CUDA-capable device is detected (cudaErrorNoDevice)". Probed once per process.
bool gpu_available(std::string* why_not = nullptr);

/// What the benchmarks report about device 0.
struct GpuProperties {
  std::string name;
  int major = 0, minor = 0;            ///< compute capability
  int multiprocessors = 0;
  std::size_t memory_bytes = 0;
  double peak_bandwidth = 0;           ///< bytes/s: 2 x memory clock x bus width (the datasheet figure)
};
/// Fills *out for device 0 and returns true; false when gpu_available() is false.
bool gpu_properties(GpuProperties* out);

/// Whether work asked for on `device` runs on the GPU. cpu: false. gpu: true, or DeviceError
/// saying why no GPU is usable. automatic: gpu_available(); when false and note is given, *note
/// says so and why ("using the CPU: ..."), for the caller to show.
bool use_gpu(Device device, std::string* note = nullptr);

/// Summary statistics on the GPU, with the interface and the results of SummaryStatsAccumulator
/// (equal to rounding: the chunk's design cross-products XX, ZX, ZZ are computed on the host by
/// the CPU code itself; XY, ZY, Ynorm on the device, summing each gene's cells in the CPU's
/// order, so results are the same run to run and whatever the chunk boundaries of the
/// previous chunks).
///
/// Chunks are copied into pinned host buffers and sent to the device on two streams (double
/// buffering): add() returns once the chunk has been copied, while the device still works on
/// it, so the caller's reading of the next chunk overlaps the device work. Device memory grows
/// to fit the largest chunk seen (about 40 bytes per nonzero and 60 bytes per cell, twice, plus
/// (p + q + 1) x genes doubles for the totals); a chunk that does not fit throws DeviceError
/// saying how much was asked for: use smaller chunks. Chunks must have fewer than 2^31 nonzeros.
class GpuSummaryStatsAccumulator {
 public:
  /// As SummaryStatsAccumulator: shape supplies the shape and names; threads (0 = all) copy
  /// and check the chunks on the host; cells are summed in the same blocks of cell_block cells.
  /// Throws DeviceError when no GPU is usable.
  GpuSummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads = 0, Index cell_block = kCellBlock);
  ~GpuSummaryStatsAccumulator();
  GpuSummaryStatsAccumulator(GpuSummaryStatsAccumulator&&) noexcept;
  GpuSummaryStatsAccumulator& operator=(GpuSummaryStatsAccumulator&&) noexcept;

  /// X: cells x p design rows; Z: cells x q random-effect design rows; y: cells x G CSR values
  /// (host memory); cells: their numbers, as for SummaryStatsAccumulator::add. Same checks and
  /// error messages as SummaryStatsAccumulator::add.
  /// T: float, double, std::int32_t or std::int64_t.
  template <class T>
  void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y, std::span<const Index> cells = {});

  /// Waits for the device, then returns the statistics of the chunks added so far (the open
  /// block included, without closing it).
  const SummaryStats& stats();
  /// Waits for the device and hands over the statistics.
  SummaryStats release();

  /// The global number of the next chunk's first cell (when add() is not given `cells`).
  void set_first_cell(Index first_cell);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flashmm
