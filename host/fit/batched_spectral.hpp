#pragma once
// Internal: the spectral fit with the per-gene Fisher scoring done for all genes at once by a
// "scorer" (the CUDA kernel in kernels/backend_cuda.cpp, or the CPU emulation below), and the
// rest (prepare, eigendecompositions, fixed-effects step, warnings) on the host with the CPU
// path's own code. Keeping the host side here lets the CPU tests run all of it.
#include "fit/paths.hpp"

#include <functional>
#include <vector>

namespace flashmm::detail {

/// What the scorer gets. Host memory, column-major.
struct SpectralBatchInput {
  const Eigen::MatrixXd* U = nullptr;    ///< q x q eigenvectors of zrz
  const Eigen::VectorXd* l = nullptr;    ///< q eigenvalues of zrz
  const Eigen::VectorXd* e = nullptr;    ///< q eigenvalues for B and M0 (l for REML, ZZ's for ML)
  const Eigen::MatrixXd* zry = nullptr;  ///< q x G
  const Eigen::VectorXd* yry = nullptr;  ///< G
  std::vector<double> s_start;           ///< 2 x G: (s1, s0) of gene g at 2g, 2g + 1
  std::vector<unsigned char> fit;        ///< G: 1 = fit, 0 = skip (all-zero gene)
  Index genes = 0;
  int q = 0;
  double n_eff = 0;         ///< n - pres - q
  double n_minus_pres = 0;  ///< n - pres
  int max_iter = 0;
  double epsilon = 0;
  double ginv_tol = 0;
};

/// What the scorer returns, for the genes with fit = 1. Host memory.
struct SpectralBatchResult {
  std::vector<double> theta;   ///< 2 x G
  std::vector<double> dl;      ///< 2 x G
  std::vector<double> F;       ///< 4 x G: column-major 2 x 2 per gene (F00, F10, F01, F11)
  std::vector<double> logdet;  ///< G
  std::vector<int> niter;      ///< G
  std::vector<unsigned char> finite;  ///< G
  void resize(Index genes);
};

using SpectralScorer = std::function<void(const SpectralBatchInput&, SpectralBatchResult&)>;

/// The one-component spectral fit with the scoring done by `scorer`. stats.k() must be 1.
LmmFit fit_spectral_batched(const SummaryStats& stats, const LmmOptions& options, const SpectralScorer& scorer);

/// The scorer's arithmetic and layout on the CPU: w' = zry' U (G x q, column-major, what the
/// GPU's GEMM writes), then detail::spectral_fit per gene reading w' with stride G, as the
/// kernel's threads do. Used by the tests to check the batched host side without a GPU.
void score_spectral_batch_cpu(const SpectralBatchInput& in, SpectralBatchResult& out, int threads);

}  // namespace flashmm::detail
