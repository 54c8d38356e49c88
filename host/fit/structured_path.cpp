// The structured path (docs/structured_path.md): the safeguarded optimizer, the
// (restricted) log-likelihood and its observed information, the fixed-effects step and the
// Satterthwaite terms for several random components in O(q1 q_small^2 + q_small^3) per
// evaluation. The per-gene iteration itself is include/flashmm/detail/structured_score.hpp.
#include "fit/structured_path.hpp"
#include "fit/ginv.hpp"
#include "fit/step_control.hpp"
#include "util/columnwise.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace flashmm::detail {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// Scratch of one block's terms, owned.
struct BlockScratch {
  std::vector<double> d;
  std::vector<int> ip;
  StructuredBlockTerms t;
  BlockScratch(Index q1, Index qs)
      : d(static_cast<std::size_t>(structured_block_doubles(static_cast<int>(q1), static_cast<int>(qs)))),
        ip(static_cast<std::size_t>(qs)),
        t(carve_block_terms(d.data(), ip.data(), static_cast<int>(q1), static_cast<int>(qs))) {}
};

// Scratch of one evaluation, owned.
struct EvalScratch {
  std::vector<double> d;
  std::vector<int> ip;
  StructuredEvalScratch sc;
  explicit EvalScratch(const StructuredModel& m)
      : d(static_cast<std::size_t>(structured_eval_doubles(m.q1, m.qs, m.k))),
        ip(static_cast<std::size_t>(structured_eval_ints(m.qs))),
        sc(carve_eval_scratch(d.data(), ip.data(), m.q1, m.qs, m.k)) {}
};

Eigen::VectorXd small_ratios(const StructuredBasis& sb, const Eigen::VectorXd& theta) {
  Eigen::VectorXd ds(sb.qs);
  const double s0 = theta(theta.size() - 1);
  for (Index x = 0; x < sb.qs; ++x) ds(x) = theta(sb.small_theta[static_cast<std::size_t>(x)]) / s0;
  return ds;
}

// Maps of a block's terms.
struct TermsView {
  Eigen::Map<const Eigen::VectorXd> h;
  Eigen::Map<const Eigen::MatrixXd> W, Q;
  TermsView(const StructuredBlockTerms& t, Index q1, Index qs) : h(t.h, q1), W(t.W, qs, qs), Q(t.Q, qs, qs) {}
};

// u = B v for block split's B = A (I + D A)^-1 in structured coordinates (q), given its terms:
// (Bv)_L = h .* (e .* v_L + P (W v_S - W (Ds .* y))), (Bv)_S = W' y + Bs v_S, y = P' (h .* v_L).
Eigen::VectorXd apply_b(const StructuredSplit& split, const TermsView& t, const Eigen::MatrixXd& Bs,
                        const Eigen::VectorXd& ds, const Eigen::VectorXd& v) {
  const Index q1 = split.e.size(), qs = ds.size();
  const Eigen::VectorXd y = split.P.transpose() * t.h.cwiseProduct(v.head(q1));
  Eigen::VectorXd u(q1 + qs);
  u.head(q1) = t.h.cwiseProduct(split.e.cwiseProduct(v.head(q1)) + split.P * (t.W * (v.tail(qs) - ds.cwiseProduct(y))));
  u.tail(qs) = t.W.transpose() * y + Bs * v.tail(qs);
  return u;
}

}  // namespace

StructuredPath::StructuredPath(const Prepared& pre) : pre_(pre), basis_(pre), model_(basis_.model(pre)) {}

const Eigen::MatrixXd& StructuredPath::w() const {
  // One gene at a time (columnwise_product): a gene's numbers do not depend on the other genes.
  std::call_once(w_once_, [&] {
    w_.resize(pre_.q, pre_.genes);
    const Eigen::MatrixXd zry_l = pre_.zry(basis_.cols_l, Eigen::all);
    w_.topRows(basis_.q1) =
        basis_.zrz.identity ? zry_l : columnwise_product(basis_.zrz.U.transpose(), zry_l, pre_.threads);
    w_.bottomRows(basis_.qs) = pre_.zry(basis_.cols_s, Eigen::all);
  });
  return w_;
}

const GeneralObjective& StructuredPath::dense_objective() const {
  std::call_once(dense_once_, [&] { dense_ = std::make_unique<GeneralObjective>(pre_); });
  return *dense_;
}

Eigen::VectorXd StructuredPath::zy_structured(Index g) const {
  const SummaryStats& st = *pre_.stats;
  Eigen::VectorXd out(pre_.q);
  if (basis_.zz.identity) {
    out.head(basis_.q1) = st.ZY(basis_.cols_l, g);
  } else {
    std::call_once(yl_once_, [&] {
      yl_ = columnwise_product(basis_.zz.U.transpose(), Eigen::MatrixXd(st.ZY(basis_.cols_l, Eigen::all)), pre_.threads);
    });
    out.head(basis_.q1) = yl_.col(g);
  }
  out.tail(basis_.qs) = st.ZY(basis_.cols_s, g);
  return out;
}

StructuredPath::Evaluation StructuredPath::evaluate(Index g, const Eigen::VectorXd& theta, bool with_logdet) const {
  const int k1 = pre_.k + 1;
  EvalScratch es(model_);
  Evaluation ev;
  ev.dl.resize(k1);
  ev.F.resize(k1, k1);
  StructuredEval e;
  structured_evaluate(model_, w().col(g).data(), 1, pre_.yry(g), theta.data(), with_logdet, ev.dl.data(), ev.F.data(), e,
                      es.sc);
  ev.logdet_m0 = e.logdet_m0;
  ev.zry_m_d_zry = e.zry_m_d_zry;
  return ev;
}

double StructuredPath::loglik(Index g, const Eigen::VectorXd& theta) const {
  const int k = pre_.k;
  const double s0 = theta(k);
  if (!(s0 > 0) || !theta.allFinite()) return kMinusInf;
  const double r1 = theta(basis_.large) / s0;
  const Eigen::VectorXd ds = small_ratios(basis_, theta);
  const Index q1 = basis_.q1, qs = basis_.qs;
  const int iq1 = static_cast<int>(q1), iqs = static_cast<int>(qs);

  // V = s0 (I + Z D Z') is positive definite iff the eigenvalues of D ZZ exceed -1. With
  // V_L = I + r1 Z_L Z_L' positive definite (1 + r1 g_i > 0), that holds iff
  // I + Q^1/2 Ds Q^1/2 is, Q = Z_S' V_L^-1 Z_S the ZZ block's Schur term; otherwise the dense
  // objective decides (rare: a negative r1 beyond -1 / max g).
  for (Index i = 0; i < q1; ++i)
    if (!(1.0 + r1 * basis_.zz.e(i) > 0)) return dense_objective().loglik(g, theta);
  BlockScratch tg(q1, qs);
  structured_block_terms(basis_.zz.block(), iq1, iqs, r1, ds.data(), false, pre_.method == Method::ml, tg.t);
  if (!tg.t.ok) return kMinusInf;
  if ((ds.array() < 0).any()) {
    const Eigen::Map<const Eigen::MatrixXd> Q(tg.t.Q, qs, qs);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig((Q + Q.transpose()) / 2);
    const Eigen::MatrixXd root = eig.eigenvectors() * eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
    Eigen::LLT<Eigen::MatrixXd> llt(Eigen::MatrixXd::Identity(qs, qs) + root.transpose() * ds.asDiagonal() * root);
    if (llt.info() != Eigen::Success) return kMinusInf;
  }

  BlockScratch tz(q1, qs);
  structured_block_terms(basis_.zrz.block(), iq1, iqs, r1, ds.data(), false, pre_.method == Method::reml, tz.t);
  if (!tz.t.ok) return kMinusInf;
  Eigen::VectorXd a(pre_.q), zs(qs);
  const auto wg = w().col(g);
  structured_apply_inverse_transpose(basis_.zrz.block(), tz.t, iq1, iqs, r1, ds.data(), wg.data(), 1, a.data(), zs.data());
  // zry' M D zry = (D w) . a in structured coordinates.
  const double quad = r1 * wg.head(q1).dot(a.head(q1)) + wg.tail(qs).cwiseProduct(ds).dot(a.tail(qs));
  const StructuredBlockTerms& tl = pre_.method == Method::reml ? tz.t : tg.t;
  const double logdet = tl.log_abs_det_l + tl.log_abs_det_s;  // log|I + D A|
  const double ypy = (pre_.yry(g) - quad) / s0;
  const auto n_pres = static_cast<double>(pre_.n - pre_.pres);
  const double out = -(n_pres * (std::log(2.0 * std::numbers::pi) + std::log(s0)) + logdet + ypy) / 2.0;
  return std::isfinite(out) ? out : kMinusInf;
}

Eigen::MatrixXd StructuredPath::observed_information(Index g, const Eigen::VectorXd& theta) const {
  const int k = pre_.k, k1 = k + 1;
  const Index q1 = basis_.q1, qs = basis_.qs, q = pre_.q;
  const double s0 = theta(k), r1 = theta(basis_.large) / s0;
  const Eigen::VectorXd ds = small_ratios(basis_, theta);
  EvalScratch es(model_);
  Eigen::VectorXd dl(k1);
  Eigen::MatrixXd F(k1, k1);
  StructuredEval e;
  structured_evaluate(model_, w().col(g).data(), 1, pre_.yry(g), theta.data(), false, dl.data(), F.data(), e, es.sc);
  const StructuredEvalScratch& sc = es.sc;
  if (!sc.tz.ok || (!model_.score_is_zrz && !sc.tb.ok)) return Eigen::MatrixXd::Constant(k1, k1, NAN);

  // The quadratic forms of a = M' zry use zrz's B (= the score block's under REML).
  const TermsView tz(sc.tz, q1, qs);
  const Eigen::MatrixXd Bs = model_.score_is_zrz ? Eigen::MatrixXd(Eigen::Map<const Eigen::MatrixXd>(sc.Bs, qs, qs))
                                                 : Eigen::MatrixXd(tz.Q * tz.W);
  const Eigen::Map<const Eigen::VectorXd> a(sc.a, q);
  Eigen::VectorXd r(q);  // D in structured coordinates
  r.head(q1).setConstant(r1);
  r.tail(qs) = ds;
  // theta index of each structured coordinate
  std::vector<int> comp(static_cast<std::size_t>(q), basis_.large);
  for (Index x = 0; x < qs; ++x) comp[static_cast<std::size_t>(q1 + x)] = basis_.small_theta[static_cast<std::size_t>(x)];
  auto sum_by_component = [&](const Eigen::VectorXd& x, const Eigen::VectorXd& y) {
    Eigen::VectorXd out = Eigen::VectorXd::Zero(k1);
    for (Index i = 0; i < q; ++i) out(comp[static_cast<std::size_t>(i)]) += x(i) * y(i);
    return out;
  };

  Eigen::MatrixXd H(k1, k1);
  const double s03 = s0 * s0 * s0;
  for (int j = 0; j < k; ++j) {
    Eigen::VectorXd aj = Eigen::VectorXd::Zero(q);
    for (Index i = 0; i < q; ++i)
      if (comp[static_cast<std::size_t>(i)] == j) aj(i) = a(i);
    const Eigen::VectorXd quad = sum_by_component(a, apply_b(basis_.zrz, tz, Bs, ds, aj));  // a_I' B_IJ a_J
    for (int i = j; i < k; ++i) H(i, j) = H(j, i) = quad(i) / s03 - F(i, j);
  }
  const Eigen::VectorXd ra = r.cwiseProduct(a);
  const Eigen::VectorXd mta = a - apply_b(basis_.zrz, tz, Bs, ds, ra);  // M' a
  const Eigen::VectorXd qa = sum_by_component(a, mta);
  for (int i = 0; i < k; ++i) H(i, k) = H(k, i) = qa(i) / s03 - F(i, k);
  H(k, k) = (sc.yr2y - ra.dot(mta)) / s03 - F(k, k);
  return H;
}

std::pair<Eigen::VectorXd, StructuredPath::Evaluation> StructuredPath::finish(Index g, const Eigen::VectorXd& s,
                                                                              bool finite) const {
  Evaluation ev = evaluate(g, s, !finite);
  if (!finite) return {s, std::move(ev)};
  Eigen::VectorXd reestimated = s;
  reestimated(pre_.k) = (pre_.yry(g) - ev.zry_m_d_zry) / static_cast<double>(pre_.n - pre_.pres);
  return {reestimated, evaluate(g, reestimated, true)};
}

VarianceEstimate StructuredPath::fit_safeguarded(Index g, const LmmOptions& options) const {
  const GeneObjective objective{[&](const Eigen::VectorXd& t) { return loglik(g, t); },
                                [&](const Eigen::VectorXd& t) { return observed_information(g, t); }};
  const int k1 = pre_.k + 1;
  std::vector<double> work(static_cast<std::size_t>(small_symmetric_pinv_work(k1)));
  VarianceEstimate ve;
  const Eigen::VectorXd s = detail::fit_safeguarded(options, objective, start_theta(pre_, options, g),
                                                    [&](const Eigen::VectorXd& t) {
    const Evaluation ev = evaluate(g, t, false);
    Eigen::MatrixXd finv(k1, k1);
    small_symmetric_pinv(ev.F.data(), k1, kGinvTolerance, finv.data(), work.data());
    return ScoringStep{ev.dl, ev.F, finv * ev.dl};
  }, ve);
  end_safeguarded(s, [&](const Eigen::VectorXd& t, bool finite) { return finish(g, t, finite); },
                  [&](const Eigen::VectorXd& t) { return loglik(g, t); }, ve);
  return ve;
}

void StructuredPath::fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const {
  const SummaryStats& st = *pre_.stats;
  const StructuredBasis& sb = basis_;
  const Index q1 = sb.q1, qs = sb.qs;
  const double s0 = ve.theta(pre_.k), r1 = ve.theta(sb.large) / s0;
  const Eigen::VectorXd ds = small_ratios(sb, ve.theta);
  // Mb = (I + D ZZ)^-1 D in ZZ's structured basis: diag(r1 h, 0) + [r1 Y; -I] Ks [r1 Y; -I]'
  // with Y = diag(h) P, Ks = W Ds (docs/structured_path.md, "fixed effects").
  BlockScratch tg(q1, qs);
  structured_block_terms(sb.zz.block(), static_cast<int>(q1), static_cast<int>(qs), r1, ds.data(), false, false, tg.t);
  const TermsView t(tg.t, q1, qs);
  const Eigen::MatrixXd Ks = tg.t.ok ? Eigen::MatrixXd(t.W * ds.asDiagonal()) : Eigen::MatrixXd::Constant(qs, qs, NAN);
  const Eigen::VectorXd c = r1 * t.h;
  const Eigen::MatrixXd hxl = t.h.asDiagonal() * sb.xl;                     // q1 x p
  const Eigen::MatrixXd E = r1 * (sb.zz.P.transpose() * hxl) - sb.xs;        // qs x p
  const Eigen::MatrixXd cx = c.asDiagonal() * sb.xl;
  FixedEffectsInput fe;
  fe.W = st.XX;
  fe.W.triangularView<Eigen::Lower>() -= sb.xl.transpose() * cx;
  fe.W.triangularView<Eigen::Lower>() -= E.transpose() * (Ks * E);
  fe.W.triangularView<Eigen::StrictlyUpper>() = fe.W.transpose();
  const Eigen::VectorXd y = zy_structured(g);
  const Eigen::VectorXd vy = r1 * (sb.zz.P.transpose() * t.h.cwiseProduct(y.head(q1))) - y.tail(qs);
  fe.xvy = st.XY.col(g) - cx.transpose() * y.head(q1) - E.transpose() * (Ks * vy);
  Eigen::VectorXd b;
  store_gene(pre_, options, g, ve, fe, fit, b);
  // BLUP = Mb (ZY - ZX b).
  Eigen::VectorXd rest(pre_.q);
  rest.head(q1) = y.head(q1) - sb.xl * b;
  rest.tail(qs) = y.tail(qs) - sb.xs * b;
  const Eigen::VectorXd u = r1 * (sb.zz.P.transpose() * t.h.cwiseProduct(rest.head(q1))) - rest.tail(qs);
  const Eigen::VectorXd v = Ks * u;
  Eigen::VectorXd blup(pre_.q);
  blup.head(q1) = c.cwiseProduct(rest.head(q1)) + r1 * t.h.cwiseProduct(sb.zz.P * v);
  blup.tail(qs) = -v;
  fit.blup.col(g) = sb.from_structured(sb.zz, blup);
}

std::vector<InformationDerivative> StructuredPath::information_derivatives(const Eigen::VectorXd& theta) const {
  const StructuredBasis& sb = basis_;
  const Index q1 = sb.q1, qs = sb.qs;
  const double s0 = theta(pre_.k), r1 = theta(sb.large) / s0;
  const Eigen::VectorXd ds = small_ratios(sb, theta);
  BlockScratch tg(q1, qs);
  structured_block_terms(sb.zz.block(), static_cast<int>(q1), static_cast<int>(qs), r1, ds.data(), false, false, tg.t);
  const TermsView t(tg.t, q1, qs);
  // Xi = (I + ZZ D)^-1 ZX in ZZ's structured basis, column by column as
  // structured_apply_inverse_transpose: Xi_S = W' (X_S - r1 P' (h .* X_L)), Xi_L = h .* (X_L - P Ds Xi_S).
  const Eigen::MatrixXd xi_s = t.W.transpose() * (sb.xs - r1 * (sb.zz.P.transpose() * (t.h.asDiagonal() * sb.xl)));
  const Eigen::MatrixXd xi_l = t.h.asDiagonal() * (sb.xl - sb.zz.P * (ds.asDiagonal() * xi_s));
  std::vector<InformationDerivative> out(static_cast<std::size_t>(pre_.k));
  out[static_cast<std::size_t>(sb.large)] = information_derivative_of(xi_l, 1.0 / s0);
  for (int c = 0; c < pre_.k; ++c) {
    if (c == sb.large) continue;
    std::vector<Index> rows;
    for (Index x = 0; x < qs; ++x)
      if (sb.small_theta[static_cast<std::size_t>(x)] == c) rows.push_back(x);
    out[static_cast<std::size_t>(c)] = information_derivative_of(xi_s(rows, Eigen::all), 1.0 / s0);
  }
  return out;
}

}  // namespace flashmm::detail
