// Batched Fisher scoring for one random component (ALGORITHM.md section 6): one thread per
// gene runs detail::spectral_fit, the function the CPU path runs (flashmm/detail/), so the CPU
// tests cover this arithmetic. Layouts: see spectral_fit_kernels.hpp.
#include <flashmm/detail/spectral_score.hpp>

#include "common/resources.hpp"
#include "fit/spectral_fit_kernels.hpp"

namespace flashmm::cuda {

namespace {

constexpr int kThreads = 128;

__global__ void spectral_fit_kernel(SpectralBatch b) {
  const long long g = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (g >= b.genes) return;
  if (!b.fit[g]) return;
  const detail::SpectralFit f =
      detail::spectral_fit(b.w + g, b.genes, b.l, b.e, b.q, b.yry[g], b.n_eff, b.n_minus_pres, b.s_start[2 * g],
                           b.s_start[2 * g + 1], b.max_iter, b.epsilon, b.ginv_tol);
  detail::store_spectral_fit(f, g, {b.theta, b.dl, b.F, b.logdet, b.niter, b.finite});
}

}  // namespace

void launch_spectral_fit(const SpectralBatch& batch, cudaStream_t stream) {
  if (batch.genes <= 0) return;
  const long long blocks = (batch.genes + kThreads - 1) / kThreads;
  spectral_fit_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(batch);
  FLASHMM_CUDA_LAUNCHED("spectral_fit_kernel");
}

}  // namespace flashmm::cuda

namespace flashmm::cuda {

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, spectral_fit_kernel);
}

}  // namespace flashmm::cuda
