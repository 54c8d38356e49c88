// The spectral per-gene path for one random component (ALGORITHM.md section 6): zrz and ZZ are
// eigendecomposed once (SpectralBasis), every gene is projected with one GEMM, and each
// iteration is O(q). The iteration itself is detail::spectral_fit, shared with the CUDA kernel.
#include <flashmm/detail/spectral_score.hpp>

#include "fit/ginv.hpp"
#include "fit/paths.hpp"
#include "fit/spectral_objective.hpp"
#include "fit/step_control.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

VarianceEstimate spectral_estimate(const double s[2], const double dl[2], const double F[2][2], double logdet_m0,
                                   int niter, bool finite) {
  VarianceEstimate ve;
  ve.theta = Eigen::Vector2d(s[0], s[1]);
  ve.dl = Eigen::Vector2d(dl[0], dl[1]);
  ve.F.resize(2, 2);
  ve.F << F[0][0], F[0][1], F[1][0], F[1][1];
  ve.logdet_m0 = logdet_m0;
  ve.niter = niter;
  ve.finite = finite;
  return ve;
}

void SpectralPath::fit_gene(Index g, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SpectralGene sg = spectral_gene(pre, basis_, g);
  const Eigen::VectorXd s_start = start_theta(pre, options_, g);

  // FLASHMM's plain Fisher scoring.
  const SpectralFit f = spectral_fit(sg.w, 1, sg.l, sg.e, sg.q, sg.yry, sg.n_eff, sg.n_pres, s_start(0), s_start(1),
                                     options_.max_iter, options_.epsilon, kGinvTolerance);
  // The safeguarded optimizer runs only where plain scoring fails: where it converges the result
  // stays FLASHMM's to the last bit.
  if (!uses_step_control(options_) ||
      plain_scoring_succeeded(options_, Eigen::Vector2d(f.s[0], f.s[1]), f.max_dl <= options_.epsilon, f.finite,
                              spectral_loglik(sg, f.s[0], f.s[1]))) {
    finish_gene(g, spectral_estimate(f.s, f.score.dl, f.score.F, f.score.logdet_m0, f.niter, f.finite), fit);
    return;
  }

  const GeneObjective objective{[&](const Eigen::VectorXd& t) { return spectral_loglik(sg, t(0), t(1)); },
                                [&](const Eigen::VectorXd& t) -> Eigen::MatrixXd {
                                  return spectral_observed_information(sg, t(0), t(1));
                                }};
  VarianceEstimate ve;
  const Eigen::VectorXd theta = fit_safeguarded(options_, objective, s_start, [&](const Eigen::VectorXd& t) {
    const SpectralScore sc = spectral_score(sg.w, 1, sg.l, sg.e, sg.q, sg.yry, sg.n_eff, t(0), t(1), false);
    double finv[2][2];
    pinv_symmetric_2x2(sc.F, finv, kGinvTolerance);
    return ScoringStep{Eigen::Vector2d(sc.dl[0], sc.dl[1]),
                       Eigen::Matrix2d{{sc.F[0][0], sc.F[0][1]}, {sc.F[1][0], sc.F[1][1]}},
                       Eigen::Vector2d(finv[0][0] * sc.dl[0] + finv[0][1] * sc.dl[1],
                                       finv[1][0] * sc.dl[0] + finv[1][1] * sc.dl[1])};
  }, ve);
  double s[2] = {theta(0), theta(1)};
  // As in the plain path: re-estimate the residual variance and evaluate once more, where that
  // keeps theta valid without lowering the likelihood.
  SpectralScore sc = spectral_score(sg.w, 1, sg.l, sg.e, sg.q, sg.yry, sg.n_eff, s[0], s[1], !ve.finite);
  if (ve.finite) {
    const double s0 = (sg.yry - sc.zry_m_d_zry) / sg.n_pres;
    if (spectral_loglik(sg, s[0], s0) >= spectral_loglik(sg, s[0], s[1])) {
      s[1] = s0;
      sc = spectral_score(sg.w, 1, sg.l, sg.e, sg.q, sg.yry, sg.n_eff, s[0], s[1], true);
    }
  }
  VarianceEstimate out = spectral_estimate(s, sc.dl, sc.F, sc.logdet_m0, ve.niter, ve.finite);
  out.stop_reason = ve.stop_reason;
  out.fallback = ve.fallback;
  finish_gene(g, out, fit);
}

void SpectralPath::finish_gene(Index g, const VarianceEstimate& ve, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const SpectralBasis& sb = basis_;

  // Fixed effects with Mb = V diag(c) V', c = r / (1 + r g): W = XX - G' diag(c) G, G = V' ZX.
  const double r = ve.theta(0) / ve.theta(1);
  const Eigen::VectorXd c = (r / (1.0 + r * sb.g.array())).matrix();
  const Eigen::MatrixXd& gx = sb.gx_of(st);
  const auto h = sb.identity_v ? st.ZY.col(g) : sb.h.col(g);
  FixedEffectsInput fe;
  const Eigen::MatrixXd cg = c.asDiagonal() * gx;  // q x p
  fe.W = st.XX;
  fe.W.triangularView<Eigen::Lower>() -= gx.transpose() * cg;
  fe.W.triangularView<Eigen::StrictlyUpper>() = fe.W.transpose();
  fe.xvy = st.XY.col(g) - cg.transpose() * h;
  Eigen::VectorXd b;
  store_gene(pre, options_, g, ve, fe, fit, b);
  if (sb.identity_v)
    fit.blup.col(g) = c.cwiseProduct(h - gx * b);
  else
    fit.blup.col(g) = sb.V * c.cwiseProduct(h - gx * b);
}

}  // namespace flashmm::detail
