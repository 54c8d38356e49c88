// Backend selection (flashmm/backend.hpp) and the public GPU entry points, which forward to the
// CUDA backend plugin (util/cuda_plugin.hpp) once a device is known to be usable.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "util/cuda_plugin.hpp"

#if defined(FLASHMM_WITH_CUDA)
#include <dlfcn.h>
#endif

namespace flashmm {

const char* to_string(Device device) {
  switch (device) {
    case Device::automatic: return "auto";
    case Device::cpu: return "cpu";
    case Device::gpu: return "gpu";
  }
  return "unknown";
}

Device parse_device(const std::string& text) {
  if (text == "auto" || text == "automatic") return Device::automatic;
  if (text == "cpu") return Device::cpu;
  if (text == "gpu" || text == "cuda") return Device::gpu;
  throw InputError("unknown device '" + text + "': use auto, cpu or gpu");
}

namespace {

struct Probe {
  bool ok = false;
  std::string why;
};

#if defined(FLASHMM_WITH_CUDA)
// Asks the CUDA driver (libcuda.so.1, the driver API) whether there is a device, without loading
// the CUDA runtime or libraries: on a machine without a GPU, --device auto stays a light CPU run.
bool driver_sees_a_device(std::string* why) {
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver == nullptr) {
    const char* e = dlerror();
    *why = "no CUDA driver is installed (libcuda.so.1 cannot be loaded: " + std::string(e ? e : "unknown error") + ")";
    return false;
  }
  using Init = int (*)(unsigned);
  using Count = int (*)(int*);
  using Name = int (*)(int, const char**);
  const auto init = reinterpret_cast<Init>(dlsym(driver, "cuInit"));
  const auto count = reinterpret_cast<Count>(dlsym(driver, "cuDeviceGetCount"));
  const auto name = reinterpret_cast<Name>(dlsym(driver, "cuGetErrorName"));
  if (init == nullptr || count == nullptr) {
    *why = "the CUDA driver libcuda.so.1 lacks cuInit or cuDeviceGetCount";
    return false;
  }
  auto text = [&](int status) {
    const char* s = nullptr;
    if (name == nullptr || name(status, &s) != 0 || s == nullptr) return "CUresult " + std::to_string(status);
    return std::string(s);
  };
  if (const int status = init(0); status != 0) {
    *why = "no usable CUDA driver or device: cuInit failed with " + text(status);
    return false;
  }
  int devices = 0;
  if (const int status = count(&devices); status != 0) {
    *why = "no usable CUDA device: cuDeviceGetCount failed with " + text(status);
    return false;
  }
  if (devices < 1) {
    *why = "no CUDA device was found";
    return false;
  }
  return true;  // the driver stays loaded: the runtime needs it next
}
#endif

Probe probe_gpu() {
  Probe p;
#if defined(FLASHMM_WITH_CUDA)
  if (!driver_sees_a_device(&p.why)) return p;
#endif
  const detail::CudaPlugin* plugin = detail::cuda_plugin(&p.why);
  if (plugin == nullptr) return p;
  p.ok = plugin->device_usable(&p.why);
  return p;
}

}  // namespace

bool gpu_available(std::string* why_not) {
  static const Probe probe = probe_gpu();  // thread-safe, once per process
  if (!probe.ok && why_not != nullptr) *why_not = probe.why;
  return probe.ok;
}

bool gpu_properties(GpuProperties* out) {
  if (!gpu_available()) return false;
  return detail::cuda_plugin()->properties(out);
}

bool use_gpu(Device device, std::string* note) {
  if (device == Device::cpu) return false;
  std::string why;
  const bool ok = gpu_available(&why);
  if (device == Device::gpu) {
    if (!ok) throw DeviceError("the GPU was asked for but no CUDA device is usable: " + why);
    return true;
  }
  if (!ok && note != nullptr) *note = "using the CPU: " + why;
  return ok;
}

// --- GpuSummaryStatsAccumulator: the plugin's implementation behind the public class ----------

struct GpuSummaryStatsAccumulator::Impl {
  std::unique_ptr<detail::GpuStatsBackend> backend;
};

GpuSummaryStatsAccumulator::GpuSummaryStatsAccumulator(SummaryStats shape, Transform transform, int threads,
                                                       Index cell_block) {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU summary statistics need a usable CUDA device: " + why);
  impl_ = std::make_unique<Impl>(
      Impl{detail::cuda_plugin()->make_stats(std::move(shape), transform, threads, cell_block)});
}
GpuSummaryStatsAccumulator::~GpuSummaryStatsAccumulator() = default;
GpuSummaryStatsAccumulator::GpuSummaryStatsAccumulator(GpuSummaryStatsAccumulator&&) noexcept = default;
GpuSummaryStatsAccumulator& GpuSummaryStatsAccumulator::operator=(GpuSummaryStatsAccumulator&&) noexcept = default;

template <class T>
void GpuSummaryStatsAccumulator::add(const RowMatrixXd& X, const SparseRowMatrix& Z, const CsrView<T>& y,
                                     std::span<const Index> cells) {
  impl_->backend->add(X, Z, y, cells);
}
const SummaryStats& GpuSummaryStatsAccumulator::stats() { return impl_->backend->stats(); }
SummaryStats GpuSummaryStatsAccumulator::release() { return impl_->backend->release(); }
void GpuSummaryStatsAccumulator::set_first_cell(Index first_cell) { impl_->backend->set_first_cell(first_cell); }

template void GpuSummaryStatsAccumulator::add<float>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<float>&,
                                                    std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<double>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<double>&,
                                                     std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<std::int32_t>(const RowMatrixXd&, const SparseRowMatrix&,
                                                           const CsrView<std::int32_t>&, std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<std::int64_t>(const RowMatrixXd&, const SparseRowMatrix&,
                                                           const CsrView<std::int64_t>&, std::span<const Index>);

}  // namespace flashmm
