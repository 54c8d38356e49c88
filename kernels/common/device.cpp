// The plugin's device probe and properties (util/cuda_plugin.hpp), behind gpu_available() and
// gpu_properties() (flashmm/backend.hpp): whether device 0 has a driver, and a kernel image for
// its architecture; probed once per process.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "common/device.hpp"
#include "common/resources.hpp"
#include "fit/batched_kernels.hpp"

namespace flashmm::cuda {

namespace {

struct Probe {
  bool ok = false;
  std::string why;
};

Probe probe_device() {
  Probe probe;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "no usable CUDA driver or device: " + status_text(status);
    return probe;
  }
  if (count < 1) {
    probe.why = "no CUDA device was found";
    return probe;
  }
  cudaDeviceProp properties{};
  if (const cudaError_t s = cudaGetDeviceProperties(&properties, 0); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "cudaGetDeviceProperties failed: " + status_text(s);
    return probe;
  }
  if (const cudaError_t s = cudaSetDevice(0); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "device 0 (" + std::string(properties.name) + ") cannot be used: " + status_text(s);
    return probe;
  }
  if (const cudaError_t s = probe_kernel_image(); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "device 0 (" + std::string(properties.name) + ", compute capability " +
                std::to_string(properties.major) + "." + std::to_string(properties.minor) +
                ") cannot run flashmm's kernels: " + status_text(s) +
                "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(properties.major) +
                std::to_string(properties.minor);
    return probe;
  }
  probe.ok = true;
  return probe;
}

}  // namespace

bool device_usable(std::string* why_not) {
  static const Probe probe = probe_device();  // thread-safe, once per process
  if (!probe.ok && why_not) *why_not = probe.why;
  return probe.ok;
}

bool device_properties(GpuProperties* out) {
  if (!device_usable(nullptr)) return false;
  cudaDeviceProp p{};
  FLASHMM_CUDA(cudaGetDeviceProperties(&p, 0));
  int clock_khz = 0, bus_bits = 0;
  FLASHMM_CUDA(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, 0));
  FLASHMM_CUDA(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0));
  if (out) {
    out->name = p.name;
    out->major = p.major;
    out->minor = p.minor;
    out->multiprocessors = p.multiProcessorCount;
    out->memory_bytes = p.totalGlobalMem;
    out->peak_bandwidth = 2.0 * clock_khz * 1e3 * bus_bits / 8.0;  // double data rate
  }
  return true;
}

}  // namespace flashmm::cuda
