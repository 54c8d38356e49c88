#pragma once
// Internal: launcher of the batched spectral Fisher-scoring kernel (spectral_fit_kernels.cu).
// All pointers are DEVICE memory.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace flashmm::cuda {

/// Inputs and outputs of the batched spectral fit, one gene per thread.
struct SpectralBatch {
  // Inputs.
  const double* w = nullptr;        ///< genes x q, column-major (ld = genes): w(g, i) = (U' zry)(i, g)
  const double* l = nullptr;        ///< q eigenvalues of zrz
  const double* e = nullptr;        ///< q eigenvalues used for B and M0 (l for REML, those of ZZ for ML)
  const double* yry = nullptr;      ///< genes
  const double* s_start = nullptr;  ///< 2 x genes, column-major: (s1, s0) starting values of gene g at 2g, 2g+1
  const unsigned char* fit = nullptr;  ///< genes: 1 = fit the gene, 0 = skip (all-zero genes)
  std::int64_t genes = 0;
  int q = 0;
  double n_eff = 0;         ///< n - pres - q
  double n_minus_pres = 0;  ///< n - pres
  int max_iter = 0;
  double epsilon = 0;
  double ginv_tol = 0;
  // Outputs, written for the genes that are fitted.
  double* theta = nullptr;   ///< 2 x genes: (s1, s0)
  double* dl = nullptr;      ///< 2 x genes
  double* F = nullptr;       ///< 4 x genes: F[0][0], F[1][0], F[0][1], F[1][1] (column-major 2 x 2)
  double* logdet = nullptr;  ///< genes: log|det M0|
  int* niter = nullptr;      ///< genes
  unsigned char* finite = nullptr;  ///< genes
};

/// Runs detail::spectral_fit for every gene with fit[g] = 1 (one thread per gene; neighbouring
/// threads read neighbouring entries of w).
void launch_spectral_fit(const SpectralBatch& batch, cudaStream_t stream);

}  // namespace flashmm::cuda

namespace flashmm::cuda {

/// cudaFuncGetAttributes on a kernel of this library: cudaSuccess when the device can load
/// flashmm's kernel code (an image for its architecture, or PTX the driver can compile).
cudaError_t probe_kernel_image();

}  // namespace flashmm::cuda
