#pragma once
// Internal: launcher of the batched spectral Fisher-scoring kernel (spectral_fit_kernels.cu).
#include <flashmm/detail/spectral_batch.hpp>

#include <cuda_runtime_api.h>

namespace flashmm::cuda {

/// Runs detail::score_spectral_gene for every gene of the batch, one thread per gene
/// (neighbouring threads read neighbouring entries of w when w is stored genes x q). Every
/// pointer of the batch is DEVICE memory.
void launch_spectral_fit(const detail::SpectralBatch& batch, cudaStream_t stream);

/// cudaFuncGetAttributes on a kernel of this library: cudaSuccess when the device can load
/// flashmm's kernel code (an image for its architecture, or PTX the driver can compile).
cudaError_t probe_kernel_image();

}  // namespace flashmm::cuda
