#pragma once
// Internal: launchers of the batched fit's operations (batched_kernels.cu): one CUDA thread block
// per grid cell of Op::grid runs Op::block (flashmm/detail/batched_op.hpp) with the block as its
// team. Every pointer in the arguments is DEVICE memory; each launcher enqueues on `stream` and
// checks the launch.
#include <flashmm/detail/batched_operations.hpp>

#include <cuda_runtime_api.h>

namespace flashmm::cuda {

#define FLASHMM_DECLARE_LAUNCH(Op) void launch(const detail::Op::Args& args, cudaStream_t stream);
FLASHMM_BATCHED_OPERATIONS(FLASHMM_DECLARE_LAUNCH)
#undef FLASHMM_DECLARE_LAUNCH

/// cudaFuncGetAttributes on a kernel of this library: cudaSuccess when the device can load
/// flashmm's kernel code (an image for its architecture, or PTX the driver can compile).
cudaError_t probe_kernel_image();

}  // namespace flashmm::cuda
