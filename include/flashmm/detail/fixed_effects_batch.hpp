#pragma once
// The batched fixed-effects step (ALGORITHM.md section 3, "fixed effects"): the per-slot device
// operations shared by the CUDA kernels and the CPU emulation; the driver is
// host/fit/batched_fixed_effects.cpp. Every path reduces its part to
//   C = ZX' Mb [ZX | ZY_g]   (p x (p+1)),  Mb = (I + D ZZ)^-1 D,
// so that W = XX - C(:, 0:p) and xvy = XY_g - C(:, p); FeFinish then does what store_gene
// (host/fit/store_gene.cpp) does with them: Winv = symmetric_ginv(W) (Cholesky with the condition
// bound, else MASS::ginv), b, cov, se, t, the Fisher information of beta, se_theta and logLik.
// The p-values (a Student t tail) and the status stay on the host.
#include <flashmm/detail/batched_op.hpp>
#include <flashmm/detail/dense_tiles.hpp>
#include <flashmm/detail/small_pinv.hpp>

#include <cmath>

namespace flashmm::detail {

/// out(slot) := diag(scale(slot)) [X | z(slot)], q x (p+1) per slot (X shared, q x p, ld q).
struct FeRhs {
  struct Args {
    const double* X = nullptr;      ///< q x p
    const double* z = nullptr;      ///< q per slot
    const double* scale = nullptr;  ///< q per slot
    double* out = nullptr;          ///< q x (p+1) per slot
    int q = 0, p = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.p + 1, a.slots, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* /*shared*/) {
    const long long ql = a.q;
    const double* s = a.scale + by * ql;
    const double* src = bx < a.p ? a.X + bx * ql : a.z + by * ql;
    double* dst = a.out + by * ql * (a.p + 1) + bx * ql;
    for (int r = t.rank(); r < a.q; r += t.size()) dst[r] = s[r] * src[r];
  }
};

/// The spectral form of Mb for one component (ALGORITHM.md section 6): Mb = V diag(c) V' with
/// c = r / (1 + r g), r = s1 / s0. Slot i (gene idx[i]) gets c and z = h_g (= V' ZY_g).
struct SpectralFePrepare {
  struct Args {
    const double* theta = nullptr;  ///< 2 x G
    const double* g = nullptr;      ///< q eigenvalues of ZZ
    const double* h = nullptr;      ///< q x G
    const int* idx = nullptr;
    double* c = nullptr;            ///< q per slot
    double* z = nullptr;            ///< q per slot
    int q = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const long long gene = a.idx[bx], ql = a.q;
    const double r = a.theta[2 * gene] / a.theta[2 * gene + 1];
    for (int i = t.rank(); i < a.q; i += t.size()) {
      a.c[bx * ql + i] = r / (1.0 + r * a.g[i]);
      a.z[bx * ql + i] = a.h[i + ql * gene];
    }
  }
};

/// Per-gene outputs of FeFinish for the slots of a batch (compact: column i = slot i).
struct FeOutputs {
  double* coef = nullptr;      ///< p x slots
  double* se = nullptr;        ///< p x slots
  double* t = nullptr;         ///< p x slots
  double* cov = nullptr;       ///< p^2 x slots
  double* fim_beta = nullptr;  ///< p^2 x slots
  double* se_theta = nullptr;  ///< (k+1) x slots
  double* loglik = nullptr;    ///< slots
};

/// symmetric_ginv (host/fit/ginv.cpp) by a team: the inverse from a Cholesky factorization when
/// the bound ||W||_F ||W^-1||_F proves that ginv would drop no singular value, else MASS::ginv
/// (pinv_symmetric, member 0). W: p x p (ld p; only read); Winv: p x p out; work: 4 p^2 doubles.
template <class Team>
FLASHMM_HD void symmetric_ginv_team(const Team& t, const double* W, int p, double* Winv, double tol, double* work) {
  const long long pl = p, pp = pl * p;
  double* L = work;
  double* Linv = work + pp;
  copy_block(t, W, p, L, p, p, p);
  for (long long e = t.rank(); e < pp; e += t.size()) Linv[e] = e % p == e / p ? 1.0 : 0.0;
  t.sync();
  const int info = potrf_lower(t, L, p, p);
  bool ok = info == 0;
  if (ok) {
    t.sync();
    trsm_cols_lower(t, L, p, p, Linv, p, p, false);  // L^-1
    t.sync();
    for (long long e = t.rank(); e < pp; e += t.size()) {  // W^-1 = L^-T L^-1
      const long long a = e % p, b = e / p;
      double v = 0;
      for (long long m = a > b ? a : b; m < p; ++m) v += Linv[m + a * pl] * Linv[m + b * pl];
      Winv[e] = v;
    }
    t.sync();
    double nw = 0, ni = 0;  // every member sums in the same order: the same bound for all
    for (long long e = 0; e < pp; ++e) {
      nw += W[e] * W[e];
      ni += Winv[e] * Winv[e];
    }
    const double bound = std::sqrt(nw) * std::sqrt(ni);
    ok = std::isfinite(bound) && bound * tol < 0.5;
  }
  t.sync();
  if (!ok && t.rank() == 0) pinv_symmetric(p, W, p, Winv, p, tol, work);
  t.sync();
}

/// W = XX - C(:, 0:p), xvy = XY_g - C(:, p), then store_gene's arithmetic for slot i (gene idx[i]),
/// one block per slot. work: 5 p^2 + p + 3 (k+1)^2 doubles per slot.
struct FeFinish {
  struct Args {
    const double* XX = nullptr;      ///< p x p
    const double* XY = nullptr;      ///< p x G
    const double* C = nullptr;       ///< p x (p+1) per slot
    const double* theta = nullptr;   ///< (k+1) x G
    const double* F = nullptr;       ///< (k+1)^2 x G
    const double* logdet = nullptr;  ///< G
    const int* idx = nullptr;
    int p = 0, k1 = 0;
    double n_pres = 0;               ///< n - pres
    double ginv_tol = 0;
    double* work = nullptr;
    FeOutputs out;
    long long slots = 0;
  };
  FLASHMM_HD static long long work_per_slot(int p, int k1) {
    return 5LL * p * p + p + 3LL * k1 * k1;
  }
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const int p = a.p, k1 = a.k1;
    const long long pl = p, pp = pl * p, gene = a.idx[bx];
    double* W = a.work + bx * work_per_slot(p, k1);
    double* Winv = W + pp;
    double* xvy = Winv + pp;
    double* scratch = xvy + p;  // 3 p^2, then 3 (k+1)^2 for se_theta
    const double* C = a.C + bx * pl * (p + 1);
    for (long long e = t.rank(); e < pp; e += t.size()) W[e] = a.XX[e] - C[e];
    for (int j = t.rank(); j < p; j += t.size()) xvy[j] = a.XY[j + pl * gene] - C[pp + j];
    t.sync();
    symmetric_ginv_team(t, W, p, Winv, a.ginv_tol, scratch);
    const double s0 = a.theta[(k1 - 1) + static_cast<long long>(k1) * gene];
    for (int j = t.rank(); j < p; j += t.size()) {
      double b = 0;
      for (int m = 0; m < p; ++m) b += Winv[j + m * pl] * xvy[m];
      const double var = (Winv[j + j * pl] + Winv[j + j * pl]) * (s0 / 2.0);
      const double se = std::sqrt(var);
      a.out.coef[j + pl * bx] = b;
      a.out.se[j + pl * bx] = se;
      a.out.t[j + pl * bx] = b / se;
    }
    for (long long e = t.rank(); e < pp; e += t.size()) {
      const long long r = e % p, c = e / p;
      a.out.cov[e + pp * bx] = (Winv[e] + Winv[c + r * pl]) * (s0 / 2.0);
      a.out.fim_beta[e + pp * bx] = (W[e] + W[c + r * pl]) / (2.0 * s0);
    }
    if (t.rank() == 0) {
      double* finv = scratch + 3 * pp;
      pinv_symmetric(k1, a.F + static_cast<long long>(k1) * k1 * gene, k1, finv, k1, a.ginv_tol, finv + k1 * k1);
      for (int i = 0; i < k1; ++i) a.out.se_theta[i + static_cast<long long>(k1) * bx] = std::sqrt(finv[i + i * k1]);
      constexpr double two_pi = 6.283185307179586476925;
      a.out.loglik[bx] = -a.n_pres * (1.0 + std::log(two_pi * s0)) / 2.0 + a.logdet[gene] / 2.0;
    }
  }
};

/// The BLUP's scalings: stage 0 v := scale .* v before the solve, stage 1 after it (v is q per
/// slot; scale q per slot).
struct ScaleVectors {
  struct Args {
    double* v = nullptr;
    const double* scale = nullptr;
    int q = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    for (int i = t.rank(); i < a.q; i += t.size()) a.v[bx * a.q + i] *= a.scale[bx * a.q + i];
  }
};

}  // namespace flashmm::detail
