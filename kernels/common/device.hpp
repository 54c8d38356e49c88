#pragma once
// Internal to the CUDA backend: device 0's probe and properties (device.cpp), the plugin's
// device_usable and properties entry points (util/cuda_plugin.hpp).
#include <flashmm/backend.hpp>

#include <string>

namespace flashmm::cuda {

/// Whether device 0 can be used and run flashmm's kernels; *why_not says why not. Once per process.
bool device_usable(std::string* why_not);
/// Device 0's properties; false when it is not usable.
bool device_properties(GpuProperties* out);

}  // namespace flashmm::cuda
