#pragma once
// One batch of genes' structured Fisher scoring (several random components, one large;
// docs/structured_path.md): the inputs and outputs as raw arrays, and the per-gene entry point
// that the CPU scorer calls in a loop (and a GPU kernel could call once per gene). Pointers are
// host memory on the CPU, device memory on a GPU; the scratch is the caller's, reused gene after
// gene.
#include <flashmm/detail/scoring_arrays.hpp>
#include <flashmm/detail/structured_score.hpp>

namespace flashmm::detail {

struct StructuredBatch {
  StructuredModel model;
  /// The genes' data in structured coordinates (w_L = U' zry_L, then zry_S): entry i of gene g
  /// at w[g * w_gene_stride + i * w_entry_stride].
  const double* w = nullptr;
  long long w_gene_stride = 0;
  long long w_entry_stride = 0;
  const double* yry = nullptr;            ///< G
  const double* s_start = nullptr;        ///< (k+1) x G: starting values
  const unsigned char* active = nullptr;  ///< G: 1 = score the gene
  long long genes = 0;
  int max_iter = 0;
  double epsilon = 0;
  double ginv_tol = 0;
  ScoringArrays out;                      ///< k1 = k + 1
};

/// Scratch one gene needs (doubles, ints); reuse it for every gene of a thread.
FLASHMM_HD long long structured_gene_doubles(const StructuredBatch& b) {
  return structured_fit_doubles(b.model.q1, b.model.qs, b.model.k);
}
FLASHMM_HD int structured_gene_ints(const StructuredBatch& b) { return structured_fit_ints(b.model.qs); }

/// FLASHMM's plain Fisher scoring of gene g (structured_fit), stored into b.out; nothing when
/// the gene is not active.
FLASHMM_HD void score_structured_gene(const StructuredBatch& b, long long g, double* scratch, int* iscratch) {
  if (!b.active[g]) return;
  const int k1 = b.model.k + 1;
  const StructuredFitResult r =
      structured_fit(b.model, b.w + g * b.w_gene_stride, b.w_entry_stride, b.yry[g], b.s_start + g * k1, b.max_iter,
                     b.epsilon, b.ginv_tol, b.out.theta + g * k1, b.out.dl + g * k1, b.out.F + g * k1 * k1, scratch,
                     iscratch);
  b.out.logdet[g] = r.logdet_m0;
  b.out.niter[g] = r.niter;
  b.out.finite[g] = r.finite ? 1 : 0;
}

}  // namespace flashmm::detail
