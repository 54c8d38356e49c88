#pragma once
// Per-gene Fisher-scoring arithmetic for one random component in spectral form
// (ALGORITHM.md section 6). With zrz = U diag(l) U', ZZ = V diag(g) V', w = U' zry_j and
// e = l (REML) or g (ML), every quantity of an iteration is an O(q) sum. Shared by the CPU path
// and the CUDA kernels, so the CPU tests cover the arithmetic the GPU runs.
#include <flashmm/detail/hd.hpp>

#include <cmath>

namespace flashmm::detail {

/// Score (dl) and Fisher information (F, symmetric 2 x 2, index 0 = s1, 1 = s0) of one gene at
/// theta = (s1, s0), plus log|det M0| and the quantities needed to re-estimate s0.
struct SpectralScore {
  double dl[2];
  double F[2][2];
  double logdet_m0;
  double zry_m_d_zry;  ///< zry' M D zry = r sum w^2 / (1 + r l)
};

/// w: q projections of the gene; l: q eigenvalues of zrz; e: q eigenvalues used for B and M0
/// (l for REML, g for ML); yry: the gene's residual sum of squares; n_eff = n - pres - q.
/// log|det M0| costs a logarithm per eigenvalue: it is computed only when with_logdet is set.
/// w_stride: distance between consecutive entries of w (1 on the CPU, where a gene's w is a
/// column; the number of genes on the GPU, where w is stored genes x q so that neighbouring
/// threads read neighbouring genes).
FLASHMM_HD SpectralScore spectral_score(const double* w, long long w_stride, const double* l, const double* e, int q,
                                        double yry, double n_eff, double s1, double s0, bool with_logdet) {
  const double r = s1 / s0;
  double sum_a2 = 0, tr_b = 0, sum_b2 = 0, tr_c = 0, tr_m0 = 0, sum_m0sq = 0, yr2y_sub = 0, mdz = 0, logdet = 0;
  for (int i = 0; i < q; ++i) {
    const double hl = 1.0 / (1.0 + r * l[i]);       // eigenvalue of M
    const double he = 1.0 / (1.0 + r * e[i]);       // eigenvalue of M0
    const double wi = w[i * w_stride];
    const double w2 = wi * wi;
    sum_a2 += w2 * hl * hl;
    tr_b += e[i] * he;
    sum_b2 += e[i] * e[i] * he * he;
    tr_c += e[i] * he * he;
    tr_m0 += he;
    sum_m0sq += he * he;
    yr2y_sub += w2 * (hl + 1.0) * hl;
    mdz += w2 * hl;
  }
  if (with_logdet)
    for (int i = 0; i < q; ++i) logdet -= std::log(std::fabs(1.0 + r * e[i]));
  SpectralScore out;
  const double s02 = s0 * s0;
  const double yr2y = yry - r * yr2y_sub;
  out.dl[0] = (sum_a2 / s02 - tr_b / s0) / 2;
  out.dl[1] = (yr2y / s02 - (n_eff + tr_m0) / s0) / 2;
  out.F[0][0] = sum_b2 / s02 / 2;
  out.F[0][1] = out.F[1][0] = tr_c / s02 / 2;
  out.F[1][1] = (n_eff + sum_m0sq) / s02 / 2;
  out.logdet_m0 = logdet;
  out.zry_m_d_zry = r * mdz;
  return out;
}

/// spectral_score for a contiguous w.
FLASHMM_HD SpectralScore spectral_score(const double* w, const double* l, const double* e, int q, double yry,
                                        double n_eff, double s1, double s0, bool with_logdet) {
  return spectral_score(w, 1, l, e, q, yry, n_eff, s1, s0, with_logdet);
}

/// Moore-Penrose pseudo-inverse of a symmetric 2 x 2 matrix with R MASS::ginv's rule (singular
/// values <= tol x the largest are dropped; tol = sqrt(machine epsilon)), in closed form.
FLASHMM_HD void pinv_symmetric_2x2(const double a[2][2], double out[2][2], double tol) {
  const double m = (a[0][0] + a[1][1]) / 2, h = (a[0][0] - a[1][1]) / 2;
  const double rad = std::sqrt(h * h + a[0][1] * a[0][1]);
  const double big = m >= 0 ? m + rad : m - rad;          // eigenvalue of largest magnitude
  const double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  const double small = big != 0 ? det / big : 0.0;        // the other one, without cancellation
  if (big == 0 || !(std::fabs(big) > 0)) {
    out[0][0] = out[0][1] = out[1][0] = out[1][1] = big == 0 ? 0.0 : big;  // zero, or NaN passes on
    return;
  }
  if (std::fabs(small) > tol * std::fabs(big)) {
    out[0][0] = a[1][1] / det;
    out[1][1] = a[0][0] / det;
    out[0][1] = -a[0][1] / det;
    out[1][0] = -a[1][0] / det;
    return;
  }
  // Rank one: pinv = v v' / big with v the unit eigenvector of big.
  double v0 = a[0][1], v1 = big - a[0][0];
  if (std::fabs(v0) + std::fabs(v1) == 0) {
    v0 = big - a[1][1];
    v1 = a[1][0];
  }
  if (std::fabs(v0) + std::fabs(v1) == 0) {  // diagonal matrix
    v0 = std::fabs(a[0][0]) >= std::fabs(a[1][1]) ? 1.0 : 0.0;
    v1 = 1.0 - v0;
  }
  const double norm2 = v0 * v0 + v1 * v1;
  out[0][0] = v0 * v0 / norm2 / big;
  out[0][1] = out[1][0] = v0 * v1 / norm2 / big;
  out[1][1] = v1 * v1 / norm2 / big;
}

/// Outcome of one gene's Fisher scoring (ALGORITHM.md sections 3 and 6).
struct SpectralFit {
  double s[2];          ///< theta = (s1, s0), after the final residual re-estimate
  SpectralScore score;  ///< dl, F and log|det M0| at s (logdet_m0 is set)
  int niter;
  bool finite;          ///< false when a non-finite value stopped the iterations
  double max_dl;        ///< max|dl| of the last iteration: the loop's stopping criterion
};

/// FLASHMM's last step after the iterations, at s = (s1, s0): the residual variance is
/// re-estimated as (yry - zry' M D zry) / (n - pres) (M, D at s) and the score evaluated once more
/// at (s1, re-estimated s0). When finite is false (a non-finite step stopped the iterations) s
/// stays as it is and the score is evaluated at it. The one place of this re-estimate: plain
/// scoring (spectral_fit) and the safeguarded optimizer (host/fit/spectral_path.cpp) both end here.
FLASHMM_HD SpectralFit spectral_finish(const double* w, long long w_stride, const double* l, const double* e, int q,
                                       double yry, double n_eff, double n_minus_pres, double s1, double s0, int niter,
                                       bool finite, double max_dl) {
  SpectralFit out;
  out.niter = niter;
  out.finite = finite;
  out.max_dl = max_dl;
  double s[2] = {s1, s0};
  SpectralScore sc = spectral_score(w, w_stride, l, e, q, yry, n_eff, s[0], s[1], !finite);
  if (finite) {
    s[1] = (yry - sc.zry_m_d_zry) / n_minus_pres;
    sc = spectral_score(w, w_stride, l, e, q, yry, n_eff, s[0], s[1], true);
  }
  out.s[0] = s[0];
  out.s[1] = s[1];
  out.score = sc;
  return out;
}

/// The whole per-gene iteration of the spectral path (FLASHMM's plain Fisher scoring), run by
/// the CPU scorer and the CUDA kernel alike through score_spectral_gene (spectral_batch.hpp):
/// Fisher scoring from (s1, s0) while max|dl| > epsilon and niter < max_iter, then
/// spectral_finish. w, w_stride, l, e, q, yry, n_eff as spectral_score; n_minus_pres = n - pres.
FLASHMM_HD SpectralFit spectral_fit(const double* w, long long w_stride, const double* l, const double* e, int q,
                                    double yry, double n_eff, double n_minus_pres, double s1_start, double s0_start,
                                    int max_iter, double epsilon, double ginv_tol) {
  int niter = 0;
  bool finite = true;
  double s[2] = {s1_start, s0_start};
  bool first = true;  // max|dl| is +infinity before the first iteration
  double max_dl = 0;
  while ((first || max_dl > epsilon) && niter < max_iter) {
    first = false;
    ++niter;
    const SpectralScore sc = spectral_score(w, w_stride, l, e, q, yry, n_eff, s[0], s[1], false);
    const double a0 = std::fabs(sc.dl[0]), a1 = std::fabs(sc.dl[1]);
    max_dl = a0 < a1 ? a1 : a0;  // std::max's rule, NaN included
    double finv[2][2];
    pinv_symmetric_2x2(sc.F, finv, ginv_tol);
    s[0] += finv[0][0] * sc.dl[0] + finv[0][1] * sc.dl[1];
    s[1] += finv[1][0] * sc.dl[0] + finv[1][1] * sc.dl[1];
    if (!std::isfinite(s[0]) || !std::isfinite(s[1]) || !std::isfinite(max_dl)) {
      finite = false;
      break;
    }
  }
  return spectral_finish(w, w_stride, l, e, q, yry, n_eff, n_minus_pres, s[0], s[1], niter, finite, max_dl);
}

}  // namespace flashmm::detail
