// The spectral per-gene path for one random component (ALGORITHM.md section 6): zrz and ZZ are
// eigendecomposed once, every gene is projected with one GEMM, and each iteration is O(q).
#include <flashmm/detail/spectral_score.hpp>

#include "lmm/ginv.hpp"
#include "lmm/paths.hpp"
#include "lmm/spectral_objective.hpp"
#include "lmm/step_control.hpp"

#include <cmath>
#include <limits>
#include <optional>

namespace flashmm::detail {

namespace {
const double kGinvTolerance = std::sqrt(std::numeric_limits<double>::epsilon());
}  // namespace

void SpectralPath::fit_gene(Index g, LmmFit& fit) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const int q = static_cast<int>(pre.q);
  const SpectralBasis& sb = basis_;
  const double* w = sb.w.col(g).data();
  const double* l = sb.l.data();
  const double* e = pre.method == Method::reml ? sb.l.data() : sb.g.data();
  const double yry = pre.yry(g);
  const double n_eff = static_cast<double>(pre.n - pre.pres - pre.q);

  std::optional<StepControl> control;
  const SpectralGene sg{w, l, sb.g.data(), e, q, yry, static_cast<double>(pre.n - pre.pres), n_eff};
  if (uses_step_control(options_))
    control.emplace(options_, GeneObjective{[&](const Eigen::VectorXd& t) { return spectral_loglik(sg, t(0), t(1)); },
                                            [&](const Eigen::VectorXd& t) {
                                              double h[2][2];
                                              spectral_observed_information(sg, t(0), t(1), h);
                                              return Eigen::Matrix2d{{h[0][0], h[0][1]}, {h[1][0], h[1][1]}}.eval();
                                            }});
  VarianceEstimate ve;
  double s[2];
  // FLASHMM's iteration; with a step control, the safeguarded one.
  auto iterate = [&](StepControl* ctl) {
    ve = VarianceEstimate{};
    const Eigen::VectorXd s_start = start_theta(pre, options_, g);
    s[0] = s_start(0);
    s[1] = s_start(1);
    double max_dl = std::numeric_limits<double>::infinity();
    while (max_dl > options_.epsilon && ve.niter < options_.max_iter) {
      ++ve.niter;
      const SpectralScore sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], false);
      max_dl = std::max(std::fabs(sc.dl[0]), std::fabs(sc.dl[1]));
      double finv[2][2];
      pinv_symmetric_2x2(sc.F, finv, kGinvTolerance);
      double step[2] = {finv[0][0] * sc.dl[0] + finv[0][1] * sc.dl[1], finv[1][0] * sc.dl[0] + finv[1][1] * sc.dl[1]};
      if (ctl) {
        const Eigen::Vector2d theta(s[0], s[1]), dl(sc.dl[0], sc.dl[1]);
        max_dl = score_criterion(theta, dl, options_.nonnegative);
        const Eigen::Matrix2d F{{sc.F[0][0], sc.F[0][1]}, {sc.F[1][0], sc.F[1][1]}};
        const Eigen::VectorXd safe = ctl->safeguard(theta, dl, F, Eigen::Vector2d(step[0], step[1]));
        if (ctl->stopped()) {
          ve.stop_reason = ctl->reason();
          break;
        }
        step[0] = safe(0);
        step[1] = safe(1);
      }
      s[0] += step[0];
      s[1] += step[1];
      if (!std::isfinite(s[0]) || !std::isfinite(s[1]) || !std::isfinite(max_dl)) {
        ve.finite = false;
        break;
      }
    }
    if (ctl && !ctl->stopped() && ctl->at_edge()) ve.stop_reason = GeneStatus::boundary;
    return max_dl;
  };
  const double max_dl = iterate(nullptr);
  // The safeguarded optimizer runs only where plain scoring fails: where it converges the result
  // stays FLASHMM's to the last bit.
  if (control && !plain_scoring_succeeded(options_, Eigen::Vector2d(s[0], s[1]), max_dl, ve.finite,
                                          spectral_loglik(sg, s[0], s[1])))
    iterate(&*control);
  SpectralScore sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], !ve.finite);
  if (ve.finite) {
    s[1] = (yry - sc.zry_m_d_zry) / static_cast<double>(pre.n - pre.pres);
    sc = spectral_score(w, l, e, q, yry, n_eff, s[0], s[1], true);
  }
  ve.theta = Eigen::Vector2d(s[0], s[1]);
  ve.dl = Eigen::Vector2d(sc.dl[0], sc.dl[1]);
  ve.F.resize(2, 2);
  ve.F << sc.F[0][0], sc.F[0][1], sc.F[1][0], sc.F[1][1];
  ve.logdet_m0 = sc.logdet_m0;

  // Fixed effects with Mb = V diag(c) V', c = r / (1 + r g): W = XX - G' diag(c) G, G = V' ZX.
  const double r = s[0] / s[1];
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
