// The spectral path for one random component (ALGORITHM.md section 6): the safeguarded optimizer
// and the fixed-effects step in O(q) and O(q p + p^3) per gene.
#include <flashmm/detail/spectral_safeguard.hpp>
#include <flashmm/detail/spectral_score.hpp>

#include "fit/ginv.hpp"
#include "fit/spectral_objective.hpp"
#include "fit/spectral_path.hpp"
#include "util/columnwise.hpp"

namespace flashmm::detail {

namespace {

VarianceEstimate estimate_of(const SpectralFit& f) {
  VarianceEstimate ve;
  ve.theta = Eigen::Vector2d(f.s[0], f.s[1]);
  ve.dl = Eigen::Vector2d(f.score.dl[0], f.score.dl[1]);
  ve.F.resize(2, 2);
  ve.F << f.score.F[0][0], f.score.F[0][1], f.score.F[1][0], f.score.F[1][1];
  ve.logdet_m0 = f.score.logdet_m0;
  ve.niter = f.niter;
  ve.finite = f.finite;
  return ve;
}

static_assert(static_cast<unsigned char>(GeneStatus::max_iter) == kStatusMaxIter &&
                  static_cast<unsigned char>(GeneStatus::singular) == kStatusSingular &&
                  static_cast<unsigned char>(GeneStatus::stalled) == kStatusStalled,
              "the host-device optimizer's status bytes follow GeneStatus");

}  // namespace

SafeguardOptions safeguard_options(const LmmOptions& options) {
  SafeguardOptions o;
  o.max_iter = options.max_iter;
  o.epsilon = options.epsilon;
  o.ginv_tol = kGinvTolerance;
  o.nonnegative = options.nonnegative;
  return o;
}

SpectralPath::SpectralPath(const Prepared& pre) : pre_(pre), basis_(pre) {}

const Eigen::MatrixXd& SpectralPath::w() const {
  std::call_once(w_once_, [&] { w_ = columnwise_product(basis_.U.transpose(), pre_.zry, pre_.threads); });
  return w_;
}

SpectralGene SpectralPath::gene(Index g) const {
  return {w().col(g).data(),
          basis_.l.data(),
          basis_.g.data(),
          score_eigenvalues().data(),
          static_cast<int>(pre_.q),
          pre_.yry(g),
          static_cast<double>(pre_.n - pre_.pres),
          static_cast<double>(pre_.n - pre_.pres - pre_.q)};
}

SpectralBatch SpectralPath::batch(const LmmOptions& options, const double* s_start, const unsigned char* active,
                                  const ScoringArrays& out) const {
  SpectralBatch b;  // w is the caller's: the CPU's q x G, or the device's own
  b.l = basis_.l.data();
  b.e = score_eigenvalues().data();
  b.g = basis_.g.data();
  b.yry = pre_.yry.data();
  b.s_start = s_start;
  b.active = active;
  b.genes = pre_.genes;
  b.q = static_cast<int>(pre_.q);
  b.n_eff = static_cast<double>(pre_.n - pre_.pres - pre_.q);
  b.n_minus_pres = static_cast<double>(pre_.n - pre_.pres);
  b.max_iter = options.max_iter;
  b.epsilon = options.epsilon;
  b.ginv_tol = kGinvTolerance;
  b.out = out;
  b.nonnegative = options.nonnegative;
  return b;
}

double SpectralPath::loglik(Index g, const Eigen::VectorXd& theta) const {
  return spectral_loglik(gene(g), theta(0), theta(1));
}

Eigen::MatrixXd SpectralPath::observed_information(Index g, const Eigen::VectorXd& theta) const {
  return spectral_observed_information(gene(g), theta(0), theta(1));
}

VarianceEstimate SpectralPath::fit_safeguarded(Index g, const LmmOptions& options) const {
  // The host-device optimizer the GPU runs too (flashmm/detail/spectral_safeguard.hpp).
  const Eigen::VectorXd start = start_theta(pre_, options, g);
  const double s_start[2] = {start(0), start(1)};
  const SafeguardedFit f = spectral_fit_safeguarded(gene(g), s_start, safeguard_options(options));
  VarianceEstimate out = estimate_of(f.fit);
  out.stop_reason = static_cast<GeneStatus>(f.stop);
  out.fallback = f.fallback;
  return out;
}

void SpectralPath::fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const {
  const SummaryStats& st = *pre_.stats;
  const SpectralBasis& sb = basis_;
  // Mb = V diag(c) V', c = r / (1 + r g): W = XX - G' diag(c) G with G = V' ZX.
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
  store_gene(pre_, options, g, ve, fe, fit, b);
  if (sb.identity_v)
    fit.blup.col(g) = c.cwiseProduct(h - gx * b);
  else
    fit.blup.col(g) = sb.V * c.cwiseProduct(h - gx * b);
}

std::vector<InformationDerivative> SpectralPath::information_derivatives(const Eigen::VectorXd& theta) const {
  // G_1 = gx' diag(1 / (s0 (1 + r g))^2) gx with gx = V' ZX: V^-1 Z = Z (I + r ZZ)^-1 / s0.
  const SummaryStats& st = *pre_.stats;
  const double s0 = theta(1), r = theta(0) / s0;
  const Eigen::VectorXd inv = (1.0 + r * basis_.g.array()).inverse().matrix();
  return {information_derivative_of(inv.asDiagonal() * basis_.gx_of(st), 1.0 / s0)};
}

}  // namespace flashmm::detail
