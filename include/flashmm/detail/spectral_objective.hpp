#pragma once
// The (restricted) log-likelihood of one gene at any theta = (s1, s0) and its observed
// information, for one random component in spectral form (ALGORITHM.md sections 6 and 7), O(q)
// each: what the safeguarded optimizer (--robust, --nonnegative) and the Satterthwaite degrees of
// freedom use. Host-device functions: the CPU path and the CUDA kernels run the same code.
//
// With V = s0 (I + r ZZ) (r = s1 / s0), P the REML projection and w = U' zry:
//   -2 l = (n - pres)(log 2 pi + log s0) + sum log(1 + r e_i) + y'Py s0 / s0,
//   y'Py s0 = yry - r sum w_i^2 / (1 + r l_i),
// e = l (REML: log|X'V^-1X| folds into log|I + r zrz| up to a constant) or g (ML). At FLASHMM's
// final estimate this equals its logLik.
#include <flashmm/detail/hd.hpp>
#include <flashmm/detail/spectral_score.hpp>

#include <cmath>

namespace flashmm::detail {

/// The per-gene inputs of the spectral forms. w: the gene's q projections, entry i at
/// w[i * w_stride] (1 on the CPU, the number of genes in the GPU's genes x q layout); l:
/// eigenvalues of zrz; g: eigenvalues of ZZ; e = l (REML) or g (ML); n_pres = n - pres;
/// n_eff = n - pres - q.
struct SpectralGene {
  const double* w;
  const double* l;
  const double* g;
  const double* e;
  int q;
  double yry;
  double n_pres;
  double n_eff;
  long long w_stride = 1;
};

/// log-likelihood (ML) or restricted log-likelihood (REML) at (s1, s0); -infinity outside the
/// valid region: s0 > 0 and V positive definite (1 + r g_i > 0 for every eigenvalue g_i of ZZ).
FLASHMM_HD double spectral_loglik(const SpectralGene& x, double s1, double s0) {
  const double minus_inf = -hd_infinity();
  if (!(s0 > 0) || !std::isfinite(s0) || !std::isfinite(s1)) return minus_inf;
  const double r = s1 / s0;
  double logdet = 0, quad = 0;
  for (int i = 0; i < x.q; ++i) {
    if (!(1.0 + r * x.g[i] > 0)) return minus_inf;
    const double wi = x.w[i * x.w_stride];
    logdet += std::log(1.0 + r * x.e[i]);
    quad += wi * wi / (1.0 + r * x.l[i]);
  }
  constexpr double log_2pi = 1.8378770664093454836;
  const double ypy = (x.yry - r * quad) / s0;
  const double out = -(x.n_pres * (log_2pi + std::log(s0)) + logdet + ypy) / 2.0;
  return std::isfinite(out) ? out : minus_inf;
}

/// Observed information at (s1, s0): the Hessian of -loglik, H = Q - F, with F FLASHMM's
/// (expected) Fisher information and Q_ij = y'P V_i P V_j P y (V_1 = ZZ', V_0 = I). Index 0 = s1,
/// 1 = s0, as SpectralScore.
FLASHMM_HD void spectral_observed_information(const SpectralGene& x, double s1, double s0, double out[2][2]) {
  const SpectralScore sc = spectral_score(x.w, x.w_stride, x.l, x.e, x.q, x.yry, x.n_eff, s1, s0, false);
  const double r = s1 / s0;
  double q11 = 0, q10 = 0, yr2y_sub = 0;
  for (int i = 0; i < x.q; ++i) {
    const double hl = 1.0 / (1.0 + r * x.l[i]);
    const double wi = x.w[i * x.w_stride];
    const double w2 = wi * wi;
    const double w2h3 = w2 * hl * hl * hl;
    q11 += x.l[i] * w2h3;  // a' zrz M a with a = M' zry
    q10 += w2h3;           // a' M' a
    yr2y_sub += w2 * (hl + 1.0) * hl;
  }
  const double s03 = s0 * s0 * s0;
  const double yr2y = x.yry - r * yr2y_sub;  // s0^2 y'P P y
  out[0][0] = q11 / s03 - sc.F[0][0];
  out[0][1] = out[1][0] = q10 / s03 - sc.F[0][1];
  out[1][1] = (yr2y - r * q10) / s03 - sc.F[1][1];  // y'PPPy s0^3 = yR2y - a' M D a
}

}  // namespace flashmm::detail
