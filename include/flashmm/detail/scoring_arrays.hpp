#pragma once
// The per-gene results of Fisher scoring in the layout every scorer writes (the CPU scorers and
// the CUDA kernels alike), which is the layout of LmmFit's theta, dlogL and fim_theta: one column
// of (k+1) or (k+1)^2 values per gene, column-major. The pointers may be host or device memory.
#include <flashmm/detail/hd.hpp>

namespace flashmm::detail {

struct ScoringArrays {
  double* theta = nullptr;          ///< (k+1) x G: s_1..s_k, s0 at the end of scoring
  double* dl = nullptr;             ///< (k+1) x G: score at theta
  double* F = nullptr;              ///< (k+1)^2 x G: Fisher information at theta, column-major per gene
  double* logdet = nullptr;         ///< G: log|det M0| at theta
  int* niter = nullptr;             ///< G
  unsigned char* finite = nullptr;  ///< G: 0 when a non-finite value stopped the iterations
  int k1 = 0;                       ///< k + 1
  /// G: the (restricted) log-likelihood at theta where the scorer knows it (-infinity outside the
  /// valid region), NaN where it does not (the host pass then asks the path); may be null.
  double* loglik = nullptr;
  /// G: the GeneStatus (as a byte) a gene that did not converge gets: max_iter, or singular or
  /// stalled from the safeguarded optimizer; may be null (max_iter).
  unsigned char* stop = nullptr;
  /// G: 1 where the safeguarded optimizer fitted the gene with s_i >= 0 (robust's fallback); may be null.
  unsigned char* fallback = nullptr;
};

}  // namespace flashmm::detail
