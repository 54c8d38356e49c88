#pragma once
// Where the work of a stage runs. Compiles with any C++ compiler (no CUDA headers); see
// flashmm/backend.hpp for the GPU entry points and for how `automatic` is resolved.
#include <string>

namespace flashmm {

enum class Device {
  automatic,  ///< the GPU when one is usable, else the CPU (saying once on stderr why)
  cpu,        ///< always the CPU
  gpu,        ///< the GPU; DeviceError when none is usable
};

/// "auto", "cpu" or "gpu".
const char* to_string(Device device);
/// Parses "auto", "cpu" or "gpu"; throws InputError naming the accepted values otherwise.
Device parse_device(const std::string& text);

}  // namespace flashmm
