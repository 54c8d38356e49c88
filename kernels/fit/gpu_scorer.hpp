#pragma once
// Internal to the CUDA backend: the CUDA scorer of the fit pipeline (host/fit/scorer.hpp), the
// plugin's make_scorer entry point (util/cuda_plugin.hpp).
#include "fit/scorer.hpp"

namespace flashmm::cuda {

/// Throws DeviceError when no GPU is usable.
std::unique_ptr<detail::Scorer> make_scorer();

}  // namespace flashmm::cuda
