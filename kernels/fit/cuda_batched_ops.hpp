#pragma once
// Internal: the batched fit's device (host/fit/batched_ops.hpp) on CUDA: device memory, one
// stream, cuBLAS for the GEMMs and the batched LU, the kernels of batched_kernels.cu.
#include "fit/batched_ops.hpp"

namespace flashmm::cuda {

/// On device 0; throws DeviceError when it cannot be used.
std::unique_ptr<detail::BatchedOps> make_cuda_batched_ops();

}  // namespace flashmm::cuda
