// Batched Fisher scoring for one random component (ALGORITHM.md section 6): one thread per gene
// runs detail::score_spectral_gene, the function the CPU scorer runs (flashmm/detail/), so the
// CPU tests cover this arithmetic. Layouts: see flashmm/detail/spectral_batch.hpp.
#include <flashmm/detail/spectral_batch.hpp>

#include "common/resources.hpp"
#include "fit/spectral_fit_kernels.hpp"

namespace flashmm::cuda {

namespace {

constexpr int kThreads = 128;

__global__ void spectral_fit_kernel(detail::SpectralBatch b) {
  const long long g = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (g >= b.genes) return;
  detail::score_spectral_gene(b, g);
}

}  // namespace

void launch_spectral_fit(const detail::SpectralBatch& batch, cudaStream_t stream) {
  if (batch.genes <= 0) return;
  const long long blocks = (batch.genes + kThreads - 1) / kThreads;
  spectral_fit_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(batch);
  FLASHMM_CUDA_LAUNCHED("spectral_fit_kernel");
}

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, spectral_fit_kernel);
}

}  // namespace flashmm::cuda
