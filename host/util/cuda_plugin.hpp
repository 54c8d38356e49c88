#pragma once
// Internal: the CUDA backend as a plugin. kernels/ is built into libflashmm_cuda.so, which links
// the CUDA runtime and libraries (cudart, cuBLAS, cuSPARSE, cuSOLVER); libflashmm never links
// them and loads the plugin with dlopen() on the first GPU use, through the one table of entry
// points below. A CPU run thus never maps the CUDA libraries (issue 13: 0.5 s and 260 MB saved
// per run); `--device auto` first asks the driver (libcuda.so.1) whether a device exists, and
// loads the plugin only when one does.
//
// The plugin is looked for, in this order: $FLASHMM_CUDA_PLUGIN (a path); libflashmm_cuda.so in
// the directory of libflashmm.so itself (the build tree and the installed lib/ alike); the
// dynamic linker's search path.
#include <flashmm/backend.hpp>

#include <memory>
#include <span>
#include <string>

namespace flashmm::detail {

class Scorer;

/// What GpuSummaryStatsAccumulator forwards to (kernels/stats/gpu_summary_stats.cpp).
class GpuStatsBackend {
 public:
  virtual ~GpuStatsBackend() = default;
  virtual void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<float>& y,
                   std::span<const Index> cells) = 0;
  virtual void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<double>& y,
                   std::span<const Index> cells) = 0;
  virtual void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<std::int32_t>& y,
                   std::span<const Index> cells) = 0;
  virtual void add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<std::int64_t>& y,
                   std::span<const Index> cells) = 0;
  virtual const SummaryStats& stats() = 0;
  virtual SummaryStats release() = 0;
  virtual void set_first_cell(Index first_cell) = 0;
};

/// Bumped whenever the table below changes: a plugin of another version is refused.
inline constexpr int kCudaPluginAbi = 3;

/// The plugin's entry points.
struct CudaPlugin {
  int abi = 0;
  /// Whether device 0 can run flashmm's kernels (an image for its architecture); *why_not if not.
  bool (*device_usable)(std::string* why_not) = nullptr;
  bool (*properties)(GpuProperties* out) = nullptr;
  std::unique_ptr<GpuStatsBackend> (*make_stats)(SummaryStats shape, Transform transform, int threads,
                                                  Index cell_block) = nullptr;
  /// The CUDA scorer of the fit pipeline (host/fit/scorer.hpp).
  std::unique_ptr<Scorer> (*make_scorer)() = nullptr;
};

/// The plugin's table, loaded on the first call (thread-safe, once per process); nullptr when it
/// cannot be loaded, and then *why_not says why. Builds without CUDA: always nullptr.
const CudaPlugin* cuda_plugin(std::string* why_not = nullptr);

}  // namespace flashmm::detail

/// The plugin's one exported symbol.
extern "C" const flashmm::detail::CudaPlugin* flashmm_cuda_plugin_table();
