#pragma once
// The safeguarded optimizer (LmmOptions::robust, nonnegative) for one random component in
// spectral form, host-device: the CPU's spectral path (host/fit/spectral_path.cpp) and the GPU's
// kernels run this same code. It is the two-parameter form of the host's StepControl and
// fit_safeguarded (host/fit/step_control.hpp, any number of components), step by step: FLASHMM's
// scoring step where it keeps theta valid and does not lower the (restricted) log-likelihood,
// else halved; where scoring stalls a Newton step on the observed information; s1 held at 0
// under nonnegative; and robust's second pass with s1 >= 0 where the first does not converge.
#include <flashmm/detail/small_pinv.hpp>
#include <flashmm/detail/spectral_objective.hpp>
#include <flashmm/detail/spectral_score.hpp>
#include <flashmm/detail/step_rules.hpp>

#include <cmath>

namespace flashmm::detail {

/// The GeneStatus values the optimizer reports, as bytes (flashmm/lmm.hpp's order).
inline constexpr unsigned char kStatusMaxIter = 1, kStatusSingular = 6, kStatusStalled = 7;

struct SafeguardOptions {
  int max_iter = 0;
  double epsilon = 0;
  double ginv_tol = 0;
  bool nonnegative = false;  ///< LmmOptions::nonnegative
};

/// What the optimizer gives for one gene: the fit after FLASHMM's last step (spectral_finish,
/// kept only where it leaves theta valid without lowering the likelihood), and how it ended.
struct SafeguardedFit {
  SpectralFit fit;
  unsigned char stop = kStatusMaxIter;  ///< the status when it did not converge
  bool fallback = false;                ///< fitted with s1 >= 0 by robust's second pass
};

/// score_criterion (host/fit/step_control.hpp) for two parameters: max|dl|, where under
/// nonnegative s1 held at 0 with its score pointing below 0 does not count; NaN passes on.
FLASHMM_HD double spectral_score_criterion(const double s[2], const double dl[2], bool nonnegative) {
  double out = 0;
  for (int i = 0; i < 2; ++i) {
    if (nonnegative && i == 0 && s[0] <= 0 && dl[0] <= 0) continue;
    const double a = std::fabs(dl[i]);
    out = a != a || out != out ? hd_nan() : (a > out ? a : out);
  }
  return out;
}

/// plain_scoring_succeeded (host/fit/step_control.hpp) for one component.
FLASHMM_HD bool spectral_plain_succeeded(bool nonnegative, const double s[2], bool converged, bool finite,
                                         double loglik) {
  if (!finite || !converged || !std::isfinite(loglik)) return false;
  return !(nonnegative && s[0] < 0);
}

namespace spectral_safeguard_detail {

FLASHMM_HD void project(double s[2], bool nonnegative) {
  if (nonnegative && s[0] < 0) s[0] = 0;
}

// The largest of 1, 1/2, 1/4, .. for which theta + t step (projected) is valid and does not lower
// the likelihood below l0 - tol; sets l_out. 0 when none (StepControl::line_search).
FLASHMM_HD double line_search(const SpectralGene& x, const double s[2], const double step[2], double l0,
                              bool nonnegative, double* l_out) {
  if (!std::isfinite(step[0]) || !std::isfinite(step[1]) || (step[0] == 0 && step[1] == 0)) return 0;
  const double tol = kRoundingTolerance * (1.0 + std::fabs(l0));
  double t = 1;
  for (int h = 0; h <= kMaxHalvings; ++h, t /= 2) {
    double c[2] = {s[0] + t * step[0], s[1] + t * step[1]};
    project(c, nonnegative);
    const double l = spectral_loglik(x, c[0], c[1]);
    if (l >= l0 - tol) {
      *l_out = l;
      return t;
    }
  }
  return 0;
}

// Eigenvalues (ascending by the Jacobi rotation's order is irrelevant) and vectors of a symmetric
// 2 x 2 matrix; false when it is not finite.
FLASHMM_HD bool eigen2(const double m[2][2], double lambda[2], double V[4]) {
  double A[4] = {m[0][0], (m[1][0] + m[0][1]) / 2, (m[1][0] + m[0][1]) / 2, m[1][1]};
  for (double v : A)
    if (!std::isfinite(v)) return false;
  jacobi_eigen_symmetric(2, A, V);
  lambda[0] = A[0];
  lambda[1] = A[3];
  return std::isfinite(lambda[0]) && std::isfinite(lambda[1]);
}

// Newton direction on the observed information H over the free parameters, with |eigenvalues|
// floored at sqrt(eps) x the largest so that it ascends (newton_direction, step_control.cpp).
FLASHMM_HD void newton_direction(const double H[2][2], const double dl[2], bool s1_free, double out[2]) {
  out[0] = out[1] = 0;
  const double root_eps = std::sqrt(kHdEpsilon);
  if (!s1_free) {  // only s0: the 1 x 1 restriction
    const double lambda = H[1][1];
    if (!std::isfinite(lambda)) return;
    const double floor = std::fabs(lambda) * root_eps;
    if (!(floor > 0)) return;
    out[1] = dl[1] / (std::fabs(lambda) > floor ? std::fabs(lambda) : floor);
    return;
  }
  double lambda[2], V[4];
  if (!eigen2(H, lambda, V)) return;
  const double big = std::fabs(lambda[0]) > std::fabs(lambda[1]) ? std::fabs(lambda[0]) : std::fabs(lambda[1]);
  const double floor = big * root_eps;
  if (!(floor > 0)) return;
  for (int e = 0; e < 2; ++e) {
    const double inv = 1.0 / (std::fabs(lambda[e]) > floor ? std::fabs(lambda[e]) : floor);
    const double proj = V[0 + 2 * e] * dl[0] + V[1 + 2 * e] * dl[1];
    out[0] += V[0 + 2 * e] * inv * proj;
    out[1] += V[1 + 2 * e] * inv * proj;
  }
}

// StepControl::safeguard: the step to take from s, or none (*stopped, *reason).
FLASHMM_HD void safeguard(const SpectralGene& x, const double s[2], const double dl[2], const double F[2][2],
                          const double scoring_step[2], bool nonnegative, double ginv_tol, double step[2],
                          bool* stopped, unsigned char* reason) {
  const double l0 = spectral_loglik(x, s[0], s[1]);
  step[0] = scoring_step[0];
  step[1] = scoring_step[1];
  if (!std::isfinite(l0)) return;  // outside the valid region (an invalid theta0): nothing to guard
  const bool s1_free = !(nonnegative && s[0] <= 0 && dl[0] <= 0);
  double fisher[2] = {scoring_step[0], scoring_step[1]};
  if (!s1_free) {  // scoring on s0 alone: ginv of the 1 x 1 restriction
    const double f = F[1][1];
    const double inv = !std::isfinite(f) ? hd_nan() : f != 0 ? 1.0 / f : 0.0;
    fisher[0] = 0;
    fisher[1] = inv * dl[1];
  }
  double l_fisher = l0;
  const double t_fisher = line_search(x, s, fisher, l0, nonnegative, &l_fisher);
  auto take = [&](double t, const double dir[2]) {
    double c[2] = {s[0] + t * dir[0], s[1] + t * dir[1]};
    project(c, nonnegative);
    step[0] = c[0] - s[0];
    step[1] = c[1] - s[1];
  };
  if (t_fisher >= kStallStep) {
    take(t_fisher, fisher);
    return;
  }
  double H[2][2], newton[2];
  spectral_observed_information(x, s[0], s[1], H);
  newton_direction(H, dl, s1_free, newton);
  double l_newton = l0;
  const double t_newton = line_search(x, s, newton, l0, nonnegative, &l_newton);
  if (t_newton > 0 && (t_fisher == 0 || l_newton > l_fisher)) {
    take(t_newton, newton);
    return;
  }
  if (t_fisher > 0) {
    take(t_fisher, fisher);
    return;
  }
  *stopped = true;
  step[0] = step[1] = 0;
  // Singular when the restricted F's smallest singular value is <= sqrt(eps) x its largest.
  bool singular;
  if (!s1_free) {
    singular = !std::isfinite(F[1][1]) || F[1][1] == 0;
  } else {
    double lambda[2], V[4];
    if (!eigen2(F, lambda, V)) {
      singular = true;
    } else {
      const double a = std::fabs(lambda[0]), b = std::fabs(lambda[1]);
      singular = (a < b ? a : b) <= std::sqrt(kHdEpsilon) * (a < b ? b : a);
    }
  }
  *reason = singular ? kStatusSingular : kStatusStalled;
  (void)ginv_tol;
}

// One pass of the optimizer from start (fit_safeguarded's pass): returns whether it converged.
FLASHMM_HD bool pass(const SpectralGene& x, const double start[2], const SafeguardOptions& o, bool nonnegative,
                     double s[2], int* niter, bool* finite, unsigned char* stop) {
  s[0] = start[0];
  s[1] = start[1];
  project(s, nonnegative);
  *niter = 0;
  *finite = true;
  *stop = kStatusMaxIter;
  double max_dl = hd_infinity();
  while (max_dl > o.epsilon && *niter < o.max_iter) {
    ++*niter;
    const SpectralScore sc = spectral_score(x.w, x.w_stride, x.l, x.e, x.q, x.yry, x.n_eff, s[0], s[1], false);
    double finv[2][2];
    pinv_symmetric_2x2(sc.F, finv, o.ginv_tol);
    const double scoring[2] = {finv[0][0] * sc.dl[0] + finv[0][1] * sc.dl[1],
                               finv[1][0] * sc.dl[0] + finv[1][1] * sc.dl[1]};
    max_dl = spectral_score_criterion(s, sc.dl, nonnegative);
    double step[2];
    bool stopped = false;
    safeguard(x, s, sc.dl, sc.F, scoring, nonnegative, o.ginv_tol, step, &stopped, stop);
    if (stopped) return false;
    s[0] += step[0];
    s[1] += step[1];
    if (!std::isfinite(s[0]) || !std::isfinite(s[1]) || !std::isfinite(max_dl)) {
      *finite = false;
      return false;
    }
  }
  return max_dl <= o.epsilon;
}

}  // namespace spectral_safeguard_detail

/// The safeguarded optimizer on one gene from start (SpectralPath::fit_safeguarded): a pass with
/// s1 >= 0 under nonnegative, else an unconstrained pass and, where that does not converge,
/// robust's second pass with s1 >= 0 (fallback); then FLASHMM's last step where it keeps theta
/// valid without lowering the likelihood, else the evaluation at theta as it is.
FLASHMM_HD SafeguardedFit spectral_fit_safeguarded(const SpectralGene& x, const double start[2],
                                                   const SafeguardOptions& o) {
  namespace d = spectral_safeguard_detail;
  double s[2];
  int niter = 0;
  bool finite = true;
  SafeguardedFit out;
  if (!d::pass(x, start, o, o.nonnegative, s, &niter, &finite, &out.stop) && !o.nonnegative) {
    d::pass(x, start, o, true, s, &niter, &finite, &out.stop);
    out.fallback = true;
  }
  out.fit = spectral_finish(x.w, x.w_stride, x.l, x.e, x.q, x.yry, x.n_eff, x.n_pres, s[0], s[1], niter, finite, 0);
  if (finite && !(spectral_loglik(x, out.fit.s[0], out.fit.s[1]) >= spectral_loglik(x, s[0], s[1])))
    out.fit = spectral_finish(x.w, x.w_stride, x.l, x.e, x.q, x.yry, x.n_eff, x.n_pres, s[0], s[1], niter,
                              /*finite=*/false, 0);
  out.fit.finite = finite;
  return out;
}

}  // namespace flashmm::detail
