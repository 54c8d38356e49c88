#pragma once
// One batch of genes' spectral Fisher scoring (one random component, ALGORITHM.md section 6):
// the inputs and outputs as raw arrays, and the per-gene entry point that the CPU scorer calls
// in a loop and the CUDA kernel calls once per thread. The pointers are host memory for the CPU
// and device memory for the GPU; nothing else differs.
#include <flashmm/detail/batched_op.hpp>
#include <flashmm/detail/scoring_arrays.hpp>
#include <flashmm/detail/spectral_safeguard.hpp>
#include <flashmm/detail/spectral_score.hpp>

namespace flashmm::detail {

struct SpectralBatch {
  /// Projections w = U' zry: entry i of gene g at w[g * w_gene_stride + i * w_entry_stride].
  /// The CPU keeps w as q x G (gene stride q, entry stride 1); the GPU's GEMM writes w' as G x q
  /// (gene stride 1, entry stride G) so that neighbouring threads read neighbouring genes.
  const double* w = nullptr;
  long long w_gene_stride = 0;
  long long w_entry_stride = 0;
  const double* l = nullptr;        ///< q eigenvalues of zrz
  const double* e = nullptr;        ///< q eigenvalues for B and M0: l (REML) or those of ZZ (ML)
  const double* g = nullptr;        ///< q eigenvalues of ZZ (the safeguarded optimizer's validity check)
  const double* yry = nullptr;      ///< G
  const double* s_start = nullptr;  ///< 2 x G: (s1, s0) starting values
  const unsigned char* active = nullptr;  ///< G: 1 = score the gene, 0 = leave its outputs as they are
  long long genes = 0;
  int q = 0;
  double n_eff = 0;         ///< n - pres - q
  double n_minus_pres = 0;  ///< n - pres
  int max_iter = 0;
  double epsilon = 0;
  double ginv_tol = 0;
  ScoringArrays out;        ///< k1 = 2
  bool nonnegative = false; ///< LmmOptions::nonnegative (the safeguarded optimizer)
};

/// Stores f as gene g of out (k1 = 2; F column-major: F00, F10, F01, F11).
FLASHMM_HD void store_spectral_fit(const SpectralFit& f, long long g, const ScoringArrays& out) {
  out.theta[2 * g] = f.s[0];
  out.theta[2 * g + 1] = f.s[1];
  out.dl[2 * g] = f.score.dl[0];
  out.dl[2 * g + 1] = f.score.dl[1];
  out.F[4 * g] = f.score.F[0][0];
  out.F[4 * g + 1] = f.score.F[1][0];
  out.F[4 * g + 2] = f.score.F[0][1];
  out.F[4 * g + 3] = f.score.F[1][1];
  out.logdet[g] = f.score.logdet_m0;
  out.niter[g] = f.niter;
  out.finite[g] = f.finite ? 1 : 0;
}

/// FLASHMM's plain Fisher scoring of gene g of the batch (spectral_fit), stored into b.out;
/// nothing when the gene is not active.
FLASHMM_HD void score_spectral_gene(const SpectralBatch& b, long long g) {
  if (!b.active[g]) return;
  const SpectralFit f =
      spectral_fit(b.w + g * b.w_gene_stride, b.w_entry_stride, b.l, b.e, b.q, b.yry[g], b.n_eff, b.n_minus_pres,
                   b.s_start[2 * g], b.s_start[2 * g + 1], b.max_iter, b.epsilon, b.ginv_tol);
  store_spectral_fit(f, g, b.out);
}

/// Gene g of the batch as the spectral objective's input.
FLASHMM_HD SpectralGene spectral_gene_of(const SpectralBatch& b, long long g) {
  SpectralGene x{b.w + g * b.w_gene_stride, b.l, b.g, b.e, b.q, b.yry[g], b.n_minus_pres, b.n_eff, b.w_entry_stride};
  return x;
}

/// The host pass's decision and the safeguarded optimizer for gene g (robust, nonnegative), on
/// the device: where FLASHMM's plain scoring (already in b.out) did not end well
/// (spectral_plain_succeeded), the gene is refitted from its start by spectral_fit_safeguarded,
/// b.out.stop and b.out.fallback set; elsewhere its result stays as it is.
FLASHMM_HD void safeguard_spectral_gene(const SpectralBatch& b, long long g) {
  if (!b.active[g]) return;
  const double s[2] = {b.out.theta[2 * g], b.out.theta[2 * g + 1]};
  const double dl[2] = {b.out.dl[2 * g], b.out.dl[2 * g + 1]};
  const SpectralGene x = spectral_gene_of(b, g);
  const bool finite = b.out.finite[g] != 0;
  const bool converged = spectral_score_criterion(s, dl, false) < b.epsilon;
  const double ll = finite && converged ? spectral_loglik(x, s[0], s[1]) : 0.0;
  if (spectral_plain_succeeded(b.nonnegative, s, converged, finite, ll)) return;
  SafeguardOptions o;
  o.max_iter = b.max_iter;
  o.epsilon = b.epsilon;
  o.ginv_tol = b.ginv_tol;
  o.nonnegative = b.nonnegative;
  const double start[2] = {b.s_start[2 * g], b.s_start[2 * g + 1]};
  const SafeguardedFit f = spectral_fit_safeguarded(x, start, o);
  store_spectral_fit(f.fit, g, b.out);
  b.out.stop[g] = f.stop;
  b.out.fallback[g] = f.fallback ? 1 : 0;
}

/// The batch's genes, kGenes per block, one per member: plain scoring, then with safeguard the
/// safeguarded optimizer where it failed.
struct SpectralGenes {
  static constexpr int kGenes = 128;
  struct Args {
    SpectralBatch batch;
    bool safeguard = false;
  };
  static BlockGrid grid(const Args& a) { return {ceil_div(a.batch.genes, kGenes), 1, kGenes, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    for (int i = t.rank(); i < kGenes; i += t.size()) {
      const long long g = bx * kGenes + i;
      if (g >= a.batch.genes) break;
      score_spectral_gene(a.batch, g);
      if (a.safeguard) safeguard_spectral_gene(a.batch, g);
    }
  }
};

}  // namespace flashmm::detail
