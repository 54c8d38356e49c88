// Backend selection (flashmm/backend.hpp), and the GPU entry points of a build without CUDA.
// With CUDA the entry points live in kernels/.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>


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

#if !defined(FLASHMM_WITH_CUDA)

namespace {
const char* const kNoCuda = "flashmm was built without CUDA (no nvcc at configure time, or FLASHMM_CUDA=OFF)";
[[noreturn]] void no_cuda() { throw DeviceError(std::string("no GPU backend: ") + kNoCuda); }
}  // namespace

bool gpu_available(std::string* why_not) {
  if (why_not) *why_not = kNoCuda;
  return false;
}

struct GpuSummaryStatsAccumulator::Impl {};

GpuSummaryStatsAccumulator::GpuSummaryStatsAccumulator(SummaryStats, Transform, int, Index) { no_cuda(); }
GpuSummaryStatsAccumulator::~GpuSummaryStatsAccumulator() = default;
GpuSummaryStatsAccumulator::GpuSummaryStatsAccumulator(GpuSummaryStatsAccumulator&&) noexcept = default;
GpuSummaryStatsAccumulator& GpuSummaryStatsAccumulator::operator=(GpuSummaryStatsAccumulator&&) noexcept = default;
template <class T>
void GpuSummaryStatsAccumulator::add(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<T>&,
                                     std::span<const Index>) {
  no_cuda();
}
const SummaryStats& GpuSummaryStatsAccumulator::stats() { no_cuda(); }
SummaryStats GpuSummaryStatsAccumulator::release() { no_cuda(); }
void GpuSummaryStatsAccumulator::set_first_cell(Index) { no_cuda(); }
template void GpuSummaryStatsAccumulator::add<float>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<float>&,
                                                    std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<double>(const RowMatrixXd&, const SparseRowMatrix&, const CsrView<double>&,
                                                    std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<std::int32_t>(const RowMatrixXd&, const SparseRowMatrix&,
                                                           const CsrView<std::int32_t>&, std::span<const Index>);
template void GpuSummaryStatsAccumulator::add<std::int64_t>(const RowMatrixXd&, const SparseRowMatrix&,
                                                           const CsrView<std::int64_t>&, std::span<const Index>);

bool gpu_properties(GpuProperties*) { return false; }

#endif

}  // namespace flashmm
