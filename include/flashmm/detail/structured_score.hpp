#pragma once
// Per-gene Fisher-scoring arithmetic for several random components in structured form
// (docs/structured_path.md): one large component L (q1 columns, e.g. samples) and the others
// together S (qs columns, e.g. batch). The large component's block of a q x q matrix A (zrz or
// ZZ) is eigendecomposed once, A_LL = U diag(e) U'; in the basis T = diag(U, I) the variance
// ratios D = diag(r1 I, Ds) commute with T, so every quantity of an iteration (ALGORITHM.md
// section 3) reduces to sums over the q1 eigenvalues and a Schur complement of size qs:
//   h = 1 / (1 + r1 e),  Q = A_SS - r1 P' diag(h) P  (P = U' A_LS),  W = (I + Ds Q)^-1,
// O(q1 qs^2 + qs^3) per evaluation instead of O(q^3). Plain functions over arrays, shared by the
// CPU scorer and a future GPU scorer; scratch space is the caller's (no allocation per gene).
//
// Layouts: P is q1 x qs row-major (row i, the i-th eigenvector's coupling to S, contiguous); every
// qs x qs matrix is column-major. Columns are in structured order: the q1 columns of L (in U's
// basis), then the qs columns of S in the model's order.
#include <flashmm/detail/hd.hpp>
#include <flashmm/detail/small_dense.hpp>

#include <cmath>

namespace flashmm::detail {

#if defined(__CUDACC__) || defined(__GNUC__)
#define FLASHMM_RESTRICT __restrict__
#else
#define FLASHMM_RESTRICT
#endif

/// One symmetric q x q matrix A in structured form.
struct StructuredBlock {
  const double* e = nullptr;   ///< q1 eigenvalues of A_LL
  const double* P = nullptr;   ///< q1 x qs, row-major: U' A_LS
  const double* R = nullptr;   ///< qs x qs: A_SS
  /// q1 x qs(qs+1)/2, row-major: row i holds P(i, a) P(i, c) for a >= c, packed column by column
  /// (structured_pair) — the rank-one terms of the weighted Gram matrices, formed once per model.
  const double* PP = nullptr;
};

/// Index of the pair (a, c), a >= c, of a qs x qs symmetric matrix in packed lower storage.
FLASHMM_HD constexpr int structured_pair(int a, int c, int qs) { return c * qs - c * (c - 1) / 2 + (a - c); }
FLASHMM_HD constexpr int structured_pairs(int qs) { return qs * (qs + 1) / 2; }

/// The design side of the structured form, shared by all genes.
struct StructuredModel {
  int q1 = 0, qs = 0;
  int k = 0;                          ///< random components (theta has k + 1 entries, s0 last)
  int large = 0;                      ///< theta index of the large component
  const int* small_theta = nullptr;   ///< qs: theta index of each column of S
  StructuredBlock zrz;                ///< zrz, rotated by zrz_LL's eigenvectors: M, a, yR2y
  StructuredBlock score;              ///< A = zrz (REML) or ZZ (ML, its own rotation): B, C, M0
  bool score_is_zrz = true;           ///< REML: one block serves both
  double n_eff = 0;                   ///< n - pres - q
  double n_minus_pres = 0;            ///< n - pres
};

/// Scratch of one block's terms at one theta.
struct StructuredBlockTerms {
  double* h;   ///< q1: 1 / (1 + r1 e)
  double* G1;  ///< qs x qs: P' diag(h) P
  double* G2;  ///< P' diag(h^2) P   (score block only)
  double* G3;  ///< P' diag(h^3) P   (score block only)
  double* G3e; ///< P' diag(e h^3) P (score block only)
  double* Q;   ///< A_SS - r1 G1
  double* lu;  ///< LU factors of I + Ds Q
  double* W;   ///< (I + Ds Q)^-1
  int* piv;    ///< qs
  double* pack;  ///< 4 qs(qs+1)/2: the Gram matrices packed while they are summed
  double log_abs_det_l = 0;  ///< sum log|1 + r1 e|
  double log_abs_det_s = 0;  ///< log|det(I + Ds Q)|
  bool ok = false;           ///< false when I + Ds Q is singular or a value is not finite
};

/// Doubles and ints of scratch one block's terms need.
FLASHMM_HD constexpr long long structured_block_doubles(int q1, int qs) {
  return q1 + 7LL * qs * qs + 4LL * structured_pairs(qs);
}

/// Carves a block's scratch from d (structured_block_doubles) and ip (qs ints).
FLASHMM_HD StructuredBlockTerms carve_block_terms(double* d, int* ip, int q1, int qs) {
  StructuredBlockTerms t;
  const long long s2 = static_cast<long long>(qs) * qs;
  t.h = d;
  t.G1 = d + q1;
  t.G2 = t.G1 + s2;
  t.G3 = t.G2 + s2;
  t.G3e = t.G3 + s2;
  t.Q = t.G3e + s2;
  t.lu = t.Q + s2;
  t.W = t.lu + s2;
  t.pack = t.W + s2;
  t.piv = ip;
  return t;
}

/// Adds two rows' rank-one terms to the four packed Gram matrices: g_m += wa_m oa + wb_m ob, in
/// that order (the bits of adding the rows one by one).
FLASHMM_HD void structured_gram_rows(int np, const double* FLASHMM_RESTRICT oa, const double* FLASHMM_RESTRICT ob,
                                     const double* w, double* FLASHMM_RESTRICT g1, double* FLASHMM_RESTRICT g2,
                                     double* FLASHMM_RESTRICT g3, double* FLASHMM_RESTRICT g4) {
  const double a1 = w[0], a2 = w[1], a3 = w[2], a4 = w[3], b1 = w[4], b2 = w[5], b3 = w[6], b4 = w[7];
  for (int j = 0; j < np; ++j) {
    const double x = oa[j], y = ob[j];
    g1[j] = (g1[j] + a1 * x) + b1 * y;
    g2[j] = (g2[j] + a2 * x) + b2 * y;
    g3[j] = (g3[j] + a3 * x) + b3 * y;
    g4[j] = (g4[j] + a4 * x) + b4 * y;
  }
}

/// g += wa oa + wb ob for one packed Gram matrix.
FLASHMM_HD void structured_gram_rows(int np, const double* FLASHMM_RESTRICT oa, const double* FLASHMM_RESTRICT ob,
                                     double wa, double wb, double* FLASHMM_RESTRICT g) {
  for (int j = 0; j < np; ++j) g[j] = (g[j] + wa * oa[j]) + wb * ob[j];
}

/// The packed lower triangle p of a symmetric qs x qs matrix, unpacked into full column-major m.
FLASHMM_HD void structured_unpack(const double* p, int qs, double* m) {
  for (int c = 0; c < qs; ++c)
    for (int a = c; a < qs; ++a) m[a + c * qs] = m[c + a * qs] = p[structured_pair(a, c, qs)];
}

/// The terms of block b at (r1, Ds): h, the weighted Gram matrices (all four when all_grams,
/// else G1 only), Q, the LU of I + Ds Q and W = its inverse. with_logdet: also sum log|1 + r1 e|.
/// The Gram matrices are the hot loop: q1 rows of b.PP, each a weighted add of qs(qs+1)/2
/// products into each matrix (packed in t.pack, then unpacked), two rows at a time.
FLASHMM_HD void structured_block_terms(const StructuredBlock& b, int q1, int qs, double r1, const double* ds,
                                       bool all_grams, bool with_logdet, StructuredBlockTerms& t) {
  double* pack = t.pack;
  const long long s2 = static_cast<long long>(qs) * qs;
  const int np = structured_pairs(qs);
  double logdet_l = 0;
  for (int i = 0; i < q1; ++i) t.h[i] = 1.0 / (1.0 + r1 * b.e[i]);
  if (with_logdet)
    for (int i = 0; i < q1; ++i) logdet_l += std::log(std::fabs(1.0 + r1 * b.e[i]));
  t.log_abs_det_l = logdet_l;
  double* p1 = pack;
  double* p2 = pack + np;
  double* p3 = pack + 2 * np;
  double* p4 = pack + 3 * np;
  for (int j = 0; j < (all_grams ? 4 : 1) * np; ++j) pack[j] = 0;
  int i = 0;
  for (; i + 1 < q1; i += 2) {
    const double* oa = b.PP + static_cast<long long>(i) * np;
    const double* ob = oa + np;
    const double ha = t.h[i], hb = t.h[i + 1];
    if (all_grams) {
      const double ha2 = ha * ha, hb2 = hb * hb, ha3 = ha2 * ha, hb3 = hb2 * hb;
      const double w[8] = {ha, ha2, ha3, b.e[i] * ha3, hb, hb2, hb3, b.e[i + 1] * hb3};
      structured_gram_rows(np, oa, ob, w, p1, p2, p3, p4);
    } else {
      structured_gram_rows(np, oa, ob, ha, hb, p1);
    }
  }
  if (i < q1) {  // an odd last row
    const double* oa = b.PP + static_cast<long long>(i) * np;
    const double ha = t.h[i];
    if (all_grams) {
      const double ha2 = ha * ha, ha3 = ha2 * ha;
      const double w[8] = {ha, ha2, ha3, b.e[i] * ha3, 0, 0, 0, 0};
      structured_gram_rows(np, oa, oa, w, p1, p2, p3, p4);  // adds 0 * oa: the same bits
    } else {
      structured_gram_rows(np, oa, oa, ha, 0.0, p1);
    }
  }
  structured_unpack(p1, qs, t.G1);
  if (all_grams) {
    structured_unpack(p2, qs, t.G2);
    structured_unpack(p3, qs, t.G3);
    structured_unpack(p4, qs, t.G3e);
  }
  for (long long x = 0; x < s2; ++x) t.Q[x] = b.R[x] - r1 * t.G1[x];
  for (int c = 0; c < qs; ++c)
    for (int a = 0; a < qs; ++a) t.lu[a + c * qs] = (a == c ? 1.0 : 0.0) + ds[a] * t.Q[a + c * qs];
  t.ok = small_lu(t.lu, qs, t.piv);
  if (!t.ok) return;
  t.log_abs_det_s = small_lu_log_abs_det(t.lu, qs);
  small_lu_inverse(t.lu, t.piv, qs, t.W);
}

/// out = (I + A D)^-1 v for block b's terms t at (r1, Ds), in structured coordinates (q values;
/// v and out must not overlap): out_S = W' (v_S - r1 P' (h .* v_L)), out_L = h .* (v_L - P (Ds .* out_S)).
/// O(q1 qs). zs: qs scratch.
FLASHMM_HD void structured_apply_inverse_transpose(const StructuredBlock& b, const StructuredBlockTerms& t, int q1,
                                                   int qs, double r1, const double* ds, const double* v,
                                                   long long v_stride, double* out, double* zs) {
  for (int a = 0; a < qs; ++a) zs[a] = 0;
  for (int i = 0; i < q1; ++i) {
    const double* p = b.P + static_cast<long long>(i) * qs;
    const double hv = t.h[i] * v[i * v_stride];
    for (int a = 0; a < qs; ++a) zs[a] += hv * p[a];
  }
  for (int a = 0; a < qs; ++a) zs[a] = v[(q1 + a) * v_stride] - r1 * zs[a];
  double* out_s = out + q1;
  for (int a = 0; a < qs; ++a) {
    double x = 0;
    for (int c = 0; c < qs; ++c) x += t.W[c + a * qs] * zs[c];
    out_s[a] = x;
  }
  for (int a = 0; a < qs; ++a) zs[a] = ds[a] * out_s[a];
  for (int i = 0; i < q1; ++i) {
    const double* p = b.P + static_cast<long long>(i) * qs;
    double x = 0;
    for (int a = 0; a < qs; ++a) x += p[a] * zs[a];
    out[i] = t.h[i] * (v[i * v_stride] - x);
  }
}

/// Scratch (doubles, ints) of one structured evaluation: the two blocks' terms (one under REML),
/// a (q), the small products (3 qs x qs) and the per-component sums.
FLASHMM_HD constexpr long long structured_eval_doubles(int q1, int qs, int k) {
  return 2 * structured_block_doubles(q1, qs) + (q1 + qs) + 3LL * qs * qs + 3LL * qs + (k + 1) * (k + 1) + 3LL * (k + 1);
}
FLASHMM_HD constexpr int structured_eval_ints(int qs) { return 2 * qs; }

/// The scratch of one evaluation, carved from caller arrays; after structured_evaluate it holds
/// the evaluation's intermediate terms (the host's observed information reads them).
struct StructuredEvalScratch {
  StructuredBlockTerms tz;  ///< zrz block
  StructuredBlockTerms tb;  ///< score block when it is not zrz (ML)
  double* a;                ///< q: a = M' zry in structured coordinates
  double* KG2;              ///< qs x qs: Ks G2 with Ks = W Ds
  double* G2W;              ///< qs x qs: G2 W
  double* Bs;               ///< qs x qs: Q W = B_SS
  double* ds;               ///< qs: Ds
  double* zs;               ///< qs
  double* diag_wgw;         ///< qs: diag(W' G2 W)
  double* sumB2;            ///< (k+1)^2: ||B[I_i, I_j]||^2
  double* suma2;            ///< k+1: sum over I_i of a^2
  double* trB;              ///< k+1
  double* trC;              ///< k+1
  double yr2y = 0;          ///< yry - sum((M' + I) zry .* M D zry)
  /// The score block's terms: tz under REML, tb under ML.
  const StructuredBlockTerms& score(const StructuredModel& m) const { return m.score_is_zrz ? tz : tb; }
};

/// Carves an evaluation's scratch from d (structured_eval_doubles) and ip (structured_eval_ints).
FLASHMM_HD StructuredEvalScratch carve_eval_scratch(double* d, int* ip, int q1, int qs, int k) {
  const long long s2 = static_cast<long long>(qs) * qs;
  const int k1 = k + 1;
  StructuredEvalScratch sc;
  sc.tz = carve_block_terms(d, ip, q1, qs);
  d += structured_block_doubles(q1, qs);
  sc.tb = carve_block_terms(d, ip + qs, q1, qs);
  d += structured_block_doubles(q1, qs);
  sc.a = d;  d += q1 + qs;
  sc.KG2 = d;  d += s2;
  sc.G2W = d;  d += s2;
  sc.Bs = d;  d += s2;
  sc.ds = d;  d += qs;
  sc.zs = d;  d += qs;
  sc.diag_wgw = d;  d += qs;
  sc.sumB2 = d;  d += k1 * k1;
  sc.suma2 = d;  d += k1;
  sc.trB = d;  d += k1;
  sc.trC = d;
  return sc;
}

/// Per-evaluation outputs besides dl and F.
struct StructuredEval {
  double logdet_m0 = 0;    ///< log|det M0| (when asked for)
  double zry_m_d_zry = 0;  ///< zry' M D zry: the residual variance's re-estimate needs it
};

/// One evaluation of FLASHMM's iteration at theta (k + 1 values, s0 last), ALGORITHM.md
/// section 3 in structured form (docs/structured_path.md): the score dl (k + 1), the Fisher
/// information F ((k + 1)^2, column-major), log|det M0| (with_logdet) and zry' M D zry. w is the
/// gene's data in structured coordinates (w_L = U' zry_L, w_S = zry_S; q values at stride
/// w_stride). Returns false when a Schur complement is singular or a value is not finite (dl and
/// F are then NaN).
FLASHMM_HD bool structured_evaluate(const StructuredModel& m, const double* w, long long w_stride, double yry,
                                    const double* theta, bool with_logdet, double* dl, double* F, StructuredEval& out,
                                    StructuredEvalScratch& sc) {
  const int q1 = m.q1, qs = m.qs, k = m.k, k1 = k + 1;
  const double s0 = theta[k];
  const double r1 = theta[m.large] / s0;
  StructuredBlockTerms& tz = sc.tz;
  double* a = sc.a;
  double* KG2 = sc.KG2;
  double* G2W = sc.G2W;
  double* Bs = sc.Bs;
  double* ds = sc.ds;
  double* zs = sc.zs;
  double* diag_wgw = sc.diag_wgw;
  double* sumB2 = sc.sumB2;
  double* suma2 = sc.suma2;
  double* trB = sc.trB;
  double* trC = sc.trC;

  for (int x = 0; x < qs; ++x) ds[x] = theta[m.small_theta[x]] / s0;
  const bool same = m.score_is_zrz;
  StructuredBlockTerms& ts = same ? tz : sc.tb;  // the score block's terms
  structured_block_terms(m.zrz, q1, qs, r1, ds, same, with_logdet && same, tz);
  if (!same && tz.ok) structured_block_terms(m.score, q1, qs, r1, ds, true, with_logdet, sc.tb);
  if (!tz.ok || !ts.ok) {
    for (int x = 0; x < k1; ++x) dl[x] = NAN;
    for (int x = 0; x < k1 * k1; ++x) F[x] = NAN;
    out.logdet_m0 = NAN;
    out.zry_m_d_zry = NAN;
    return false;
  }

  // a = M' zry = (I + zrz D)^-1 zry, then its sums and the quadratic forms of y.
  structured_apply_inverse_transpose(m.zrz, tz, q1, qs, r1, ds, w, w_stride, a, zs);
  for (int x = 0; x < k1; ++x) suma2[x] = trB[x] = trC[x] = 0;
  for (int x = 0; x < k1 * k1; ++x) sumB2[x] = 0;
  double aa_l = 0, wa_l = 0;
  for (int i = 0; i < q1; ++i) {
    aa_l += a[i] * a[i];
    wa_l += w[i * w_stride] * a[i];
  }
  suma2[m.large] = aa_l;
  double quad_s = 0, mdz_s = 0;  // sum over S of r (a^2 + w a), of r w a
  for (int x = 0; x < qs; ++x) {
    const double ax = a[q1 + x], wx = w[(q1 + x) * w_stride];
    suma2[m.small_theta[x]] += ax * ax;
    quad_s += ds[x] * (ax * ax + wx * ax);
    mdz_s += ds[x] * wx * ax;
  }
  out.zry_m_d_zry = r1 * wa_l + mdz_s;
  const double yr2y = yry - (r1 * (aa_l + wa_l) + quad_s);
  sc.yr2y = yr2y;

  // The score block: traces and block sums of squares of B = A M0 and C = B M0, traces of M0.
  const double* e = same ? m.zrz.e : m.score.e;
  double seh = 0, se2h2 = 0, seh2 = 0, sh = 0, sh2 = 0;
  for (int i = 0; i < q1; ++i) {
    const double h = ts.h[i], eh = e[i] * h;
    seh += eh;
    se2h2 += eh * eh;
    seh2 += eh * h;
    sh += h;
    sh2 += h * h;
  }
  // KG2 = Ks G2 with Ks(x, c) = W(x, c) Ds(c); G2W = G2 W; Bs = Q W.
  for (int c = 0; c < qs; ++c)
    for (int x = 0; x < qs; ++x) {
      double kg = 0, gw = 0, bs = 0;
      for (int y = 0; y < qs; ++y) {
        kg += ts.W[x + y * qs] * ds[y] * ts.G2[y + c * qs];
        gw += ts.G2[x + y * qs] * ts.W[y + c * qs];
        bs += ts.Q[x + y * qs] * ts.W[y + c * qs];
      }
      KG2[x + c * qs] = kg;
      G2W[x + c * qs] = gw;
      Bs[x + c * qs] = bs;
    }
  double tr_kg2 = 0, tr_kg2kg2 = 0, tr_kg3 = 0, tr_kg3e = 0, tr_w = 0, tr_ww = 0, ds_wgw = 0;
  for (int x = 0; x < qs; ++x) {
    tr_kg2 += KG2[x + x * qs];
    tr_w += ts.W[x + x * qs];
    double dw = 0;
    for (int y = 0; y < qs; ++y) {
      tr_kg2kg2 += KG2[x + y * qs] * KG2[y + x * qs];
      const double ks = ts.W[x + y * qs] * ds[y];  // Ks(x, y)
      tr_kg3 += ks * ts.G3[y + x * qs];
      tr_kg3e += ks * ts.G3e[y + x * qs];
      tr_ww += ts.W[x + y * qs] * ts.W[y + x * qs];
      dw += ts.W[y + x * qs] * G2W[y + x * qs];  // (W' G2 W)(x, x)
    }
    diag_wgw[x] = dw;
    ds_wgw += ds[x] * dw;
  }
  const int L = m.large;
  trB[L] = seh - tr_kg2;
  sumB2[L + L * k1] = se2h2 - 2 * tr_kg3e + tr_kg2kg2;
  trC[L] = seh2 + r1 * tr_kg3e - tr_kg3 - r1 * tr_kg2kg2 - ds_wgw;
  for (int x = 0; x < qs; ++x) {
    const int cx = m.small_theta[x];
    sumB2[L + cx * k1] += diag_wgw[x];
    sumB2[cx + L * k1] += diag_wgw[x];
    trB[cx] += Bs[x + x * qs];
    double bsw = 0;  // (Bs W)(x, x)
    for (int y = 0; y < qs; ++y) {
      const double b = Bs[x + y * qs];
      sumB2[cx + m.small_theta[y] * k1] += b * b;
      bsw += b * ts.W[y + x * qs];
    }
    trC[cx] += bsw - r1 * diag_wgw[x];
  }
  const double tr_m0 = sh + r1 * tr_kg2 + tr_w;
  const double tr_m0m0 = sh2 + 2 * r1 * tr_kg3 + r1 * r1 * tr_kg2kg2 + 2 * r1 * ds_wgw + tr_ww;
  out.logdet_m0 = with_logdet ? -(ts.log_abs_det_l + ts.log_abs_det_s) : 0.0;

  const double s02 = s0 * s0;
  for (int i = 0; i < k; ++i) {
    dl[i] = (suma2[i] / s02 - trB[i] / s0) / 2;
    for (int j = 0; j < k; ++j) F[i + j * k1] = sumB2[i + j * k1] / s02 / 2;
    F[i + k * k1] = F[k + i * k1] = trC[i] / s02 / 2;
  }
  F[k + k * k1] = (m.n_eff + tr_m0m0) / s02 / 2;
  dl[k] = (yr2y / s02 - (m.n_eff + tr_m0) / s0) / 2;
  bool finite = std::isfinite(out.zry_m_d_zry);
  for (int x = 0; x < k1; ++x) finite = finite && std::isfinite(dl[x]);
  return finite;
}

/// Scratch of structured_fit (doubles, ints).
FLASHMM_HD constexpr long long structured_fit_doubles(int q1, int qs, int k) {
  return structured_eval_doubles(q1, qs, k) + 2LL * (k + 1) * (k + 1) + small_symmetric_pinv_work(k + 1) + 3LL * (k + 1);
}
FLASHMM_HD constexpr int structured_fit_ints(int qs) { return structured_eval_ints(qs); }

/// Outcome of one gene's plain scoring (written to caller arrays).
struct StructuredFitResult {
  double logdet_m0 = 0;
  int niter = 0;
  bool finite = true;
};

/// FLASHMM's plain Fisher scoring of one gene in structured form, then its last step (the
/// residual variance re-estimated as (yry - zry' M D zry) / (n - pres), one more evaluation;
/// without it when a non-finite value stopped the iterations), as GeneralPath::score_plain does
/// with dense matrices. s_start, theta_out, dl_out: k + 1; F_out: (k + 1)^2 column-major.
FLASHMM_HD StructuredFitResult structured_fit(const StructuredModel& m, const double* w, long long w_stride, double yry,
                                              const double* s_start, int max_iter, double epsilon, double ginv_tol,
                                              double* theta_out, double* dl_out, double* F_out, double* scratch,
                                              int* iscratch) {
  const int k1 = m.k + 1;
  double* ev = scratch;
  double* d = scratch + structured_eval_doubles(m.q1, m.qs, m.k);
  double* F = d;  d += k1 * k1;
  double* Finv = d;  d += k1 * k1;
  double* work = d;  d += small_symmetric_pinv_work(k1);
  double* s = d;  d += k1;
  double* dl = d;  d += k1;
  double* reest = d;
  StructuredFitResult res;
  for (int x = 0; x < k1; ++x) s[x] = s_start[x];
  StructuredEvalScratch sc = carve_eval_scratch(ev, iscratch, m.q1, m.qs, m.k);
  StructuredEval e;
  bool first = true;
  double max_dl = 0;
  while ((first || max_dl > epsilon) && res.niter < max_iter) {
    first = false;
    ++res.niter;
    structured_evaluate(m, w, w_stride, yry, s, false, dl, F, e, sc);
    max_dl = 0;
    for (int x = 0; x < k1; ++x) {
      const double v = std::fabs(dl[x]);
      max_dl = (std::isnan(v) || std::isnan(max_dl)) ? NAN : (v > max_dl ? v : max_dl);
    }
    small_symmetric_pinv(F, k1, ginv_tol, Finv, work);
    bool finite = std::isfinite(max_dl);
    for (int x = 0; x < k1; ++x) {
      double step = 0;
      for (int y = 0; y < k1; ++y) step += Finv[x + y * k1] * dl[y];
      s[x] += step;
      finite = finite && std::isfinite(s[x]);
    }
    if (!finite) {
      res.finite = false;
      break;
    }
  }
  // The last step: s0 re-estimated, then the evaluation there.
  structured_evaluate(m, w, w_stride, yry, s, !res.finite, dl, F, e, sc);
  if (res.finite) {
    for (int x = 0; x < k1; ++x) reest[x] = s[x];
    reest[m.k] = (yry - e.zry_m_d_zry) / m.n_minus_pres;
    for (int x = 0; x < k1; ++x) s[x] = reest[x];
    structured_evaluate(m, w, w_stride, yry, s, true, dl, F, e, sc);
  }
  for (int x = 0; x < k1; ++x) {
    theta_out[x] = s[x];
    dl_out[x] = dl[x];
  }
  for (int x = 0; x < k1 * k1; ++x) F_out[x] = F[x];
  res.logdet_m0 = e.logdet_m0;
  return res;
}

}  // namespace flashmm::detail
