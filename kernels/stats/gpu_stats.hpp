#pragma once
// Internal to the CUDA backend: the GPU summary statistics behind GpuSummaryStatsAccumulator
// (gpu_summary_stats.cpp), the plugin's make_stats entry point (util/cuda_plugin.hpp).
#include "util/cuda_plugin.hpp"

namespace flashmm::cuda {

/// Throws DeviceError when no GPU is usable or the model does not fit the device's limits.
std::unique_ptr<detail::GpuStatsBackend> make_stats_backend(SummaryStats shape, Transform transform, int threads,
                                                            Index cell_block);

}  // namespace flashmm::cuda
