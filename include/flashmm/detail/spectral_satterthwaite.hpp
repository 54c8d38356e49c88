#pragma once
// Satterthwaite's degrees of freedom of every coefficient for one random component in spectral
// form (ALGORITHM.md section 7), per gene on the device: df_j = 2 v_j^2 / (g_j' A g_j) with
// v_j = cov_jj, A = ginv(H) (H the observed information, spectral_observed_information) and g_j the
// gradient of cov_jj in theta; the host's form is host/inference/satterthwaite.cpp
// (spectral_gradient), which this follows term by term.
#include <flashmm/detail/batched_op.hpp>
#include <flashmm/detail/spectral_objective.hpp>
#include <flashmm/detail/spectral_score.hpp>

namespace flashmm::detail {

/// One block per slot (gene idx[i]); hv = G cov (q x p per slot, G = V' ZX), cov p x p per slot.
struct SpectralSatterthwaite {
  struct Args {
    const double* cov = nullptr;    ///< p^2 per slot
    const double* hv = nullptr;     ///< q x p per slot
    const double* XX = nullptr;     ///< p x p
    const double* theta = nullptr;  ///< 2 x G
    const double* w = nullptr;      ///< q x G: U' zry
    const double* l = nullptr;      ///< q eigenvalues of zrz
    const double* g = nullptr;      ///< q eigenvalues of ZZ
    const double* e = nullptr;      ///< l (REML) or g (ML)
    const double* yry = nullptr;    ///< G
    const int* idx = nullptr;
    int q = 0, p = 0;
    double n_pres = 0, n_eff = 0;
    double ginv_tol = 0;
    double* A = nullptr;            ///< 4 per slot: ginv(H)
    double* df = nullptr;           ///< p per slot
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 64, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const long long gene = a.idx[bx], ql = a.q, pl = a.p;
    const double s1 = a.theta[2 * gene], s0 = a.theta[2 * gene + 1], r = s1 / s0;
    double* A = a.A + 4 * bx;
    if (t.rank() == 0) {
      const SpectralGene x{a.w + ql * gene, a.l, a.g, a.e, a.q, a.yry[gene], a.n_pres, a.n_eff, 1};
      double H[2][2], Ainv[2][2];
      spectral_observed_information(x, s1, s0, H);
      pinv_symmetric_2x2(H, Ainv, a.ginv_tol);
      A[0] = Ainv[0][0];
      A[1] = Ainv[1][0];
      A[2] = Ainv[0][1];
      A[3] = Ainv[1][1];
    }
    t.sync();
    const double* cov = a.cov + pl * pl * bx;
    const double* hv = a.hv + ql * pl * bx;
    for (int j = t.rank(); j < a.p; j += t.size()) {
      const double* phi = cov + pl * j;
      const double* h = hv + ql * j;
      double g0 = 0, cross = 0, gpsi = 0;
      for (int i = 0; i < a.q; ++i) {
        const double psi = h[i] / (1.0 + r * a.g[i]) / s0;
        g0 += psi * psi;
        cross += h[i] * psi;
        gpsi += a.g[i] * psi * psi;
      }
      double quad = 0;  // phi' XX phi
      for (int c = 0; c < a.p; ++c) {
        double xxphi = 0;
        for (int m = 0; m < a.p; ++m) xxphi += a.XX[c + pl * m] * phi[m];
        quad += phi[c] * xxphi;
      }
      const double g1 = quad / (s0 * s0) - 2.0 * r * cross / s0 + r * r * gpsi;
      const double v = phi[j];
      const double gAg = g0 * (A[0] * g0 + A[2] * g1) + g1 * (A[1] * g0 + A[3] * g1);
      a.df[pl * bx + j] = 2.0 * v * v / gAg;
    }
  }
};

}  // namespace flashmm::detail
