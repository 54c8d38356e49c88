#pragma once
// Batched Fisher scoring on the general path (any number k of random components, ALGORITHM.md
// section 3): the per-slot device operations and the per-gene arithmetic of one evaluation and
// one step, shared by the CUDA kernels and the CPU emulation. The driver that sequences them
// (factorizations, GEMMs, which genes are still active) is host/fit/batched_general.cpp, which
// also derives the symmetric form used where every variance ratio is >= 0.
//
// Per slot (one gene of the batch) the evaluation leaves, whichever factorization ran:
//   B  = A M0 (q x q), M0 (q x q), a = M' zry (q), right = M D zry (q), z = zry (q),
//   factor: the Cholesky factor of I + S A S (lu = 0) or the LU factors of I + D A (lu = 1),
//           whose diagonal gives log|det M0|,
// and ReduceUpdate turns them into the score, the Fisher information and the step of
// GeneralPath::evaluate / score_plain (host/fit/general_path.cpp), term by term.
#include <flashmm/detail/batched_op.hpp>
#include <flashmm/detail/small_pinv.hpp>

#include <cmath>

namespace flashmm::detail {

/// The most random components the batched general path takes (arrays of the step are sized by it).
inline constexpr int kMaxBatchedComponents = 8;

/// Per-gene state of the iterations, device (or emulated) memory, one entry (or column) per gene.
struct GeneralGeneState {
  double* theta = nullptr;          ///< (k+1) x G
  double* dl = nullptr;             ///< (k+1) x G: score of the last evaluation
  double* F = nullptr;              ///< (k+1)^2 x G: Fisher information of the last evaluation
  double* logdet = nullptr;         ///< G: log|det M0| of the last evaluation
  double* loglik = nullptr;         ///< G: log-likelihood at the final theta where known, else NaN
  int* niter = nullptr;             ///< G
  unsigned char* finite = nullptr;  ///< G
  unsigned char* done = nullptr;    ///< G: iterations over (converged, max_iter or non-finite)
};

/// Slot i's gene is idx[i]: r_a = s_comp(a) / s0 and s_a = sqrt(r_a) (0 where r_a < 0 or not
/// finite); lu[i] = 1 when some ratio is negative or not finite (the symmetric form needs r >= 0);
/// z = zry of the gene; u = s .* z (the right-hand side of the symmetric solve); info[i] = 0.
struct GeneralPrepare {
  struct Args {
    const double* theta = nullptr;  ///< (k+1) x G
    const double* zry = nullptr;    ///< q x G
    const int* comp = nullptr;      ///< q: component of each column of Z
    const int* idx = nullptr;       ///< slots: gene of each slot
    int q = 0, k = 0;
    double* r = nullptr;            ///< q x slots
    double* s = nullptr;            ///< q x slots
    double* z = nullptr;            ///< q x slots
    double* u = nullptr;            ///< q x slots
    unsigned char* lu = nullptr;    ///< slots
    int* info = nullptr;            ///< slots
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const long long g = a.idx[bx];
    const double* th = a.theta + (a.k + 1) * g;
    const long long off = bx * a.q;
    for (int c = t.rank(); c < a.q; c += t.size()) {
      const double r = th[a.comp[c]] / th[a.k];  // variance_ratios (host/fit/prepared.hpp)
      const double z = a.zry[c + a.q * g];
      const double s = r >= 0 && std::isfinite(r) ? std::sqrt(r) : 0.0;
      a.r[off + c] = r;
      a.s[off + c] = s;
      a.z[off + c] = z;
      a.u[off + c] = s * z;
    }
    if (t.rank() == 0) {
      bool symmetric = true;
      for (int i = 0; i < a.k; ++i) {
        const double r = th[i] / th[a.k];
        symmetric = symmetric && r >= 0 && std::isfinite(r);
      }
      a.lu[bx] = symmetric ? 0 : 1;
      a.info[bx] = 0;
    }
  }
};

/// After the symmetric solve u := (I + S A S)^-1 s .* z: right = M D zry = s .* u, and a := z
/// (the driver then subtracts zrz right: a = M' zry = zry - zrz S u).
struct VectorFinish {
  struct Args {
    const double* s = nullptr;
    const double* u = nullptr;
    const double* z = nullptr;
    double* right = nullptr;
    double* a = nullptr;
    int q = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const long long off = bx * a.q;
    for (int c = t.rank(); c < a.q; c += t.size()) {
      a.right[off + c] = a.s[off + c] * a.u[off + c];
      a.a[off + c] = a.z[off + c];
    }
  }
};

/// M0 := I - S W2 in place, with W2 = (I + S A S)^-1 S A (q x q per slot).
struct M0FromW2 {
  static constexpr int kPerBlock = 1024;
  struct Args {
    double* W = nullptr;
    const double* s = nullptr;
    int q = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {ceil_div(static_cast<long long>(a.q) * a.q, kPerBlock), a.slots, 256, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* /*shared*/) {
    const long long qq = static_cast<long long>(a.q) * a.q;
    const double* s = a.s + by * a.q;
    for_matrix_chunk(t, bx, kPerBlock, a.q, [&](long long e, long long r, long long c) {
      a.W[by * qq + e] = (r == c ? 1.0 : 0.0) - s[r] * a.W[by * qq + e];
    });
  }
};

/// For the slots of a list (the LU route: a negative ratio, or a failed Cholesky factorization):
/// K := I + D A (D = diag(r)); optionally W := I (right-hand side of M0 = K^-1) and the vector
/// right-hand sides a := z (solved with K' for a = M' zry) and right := r .* z (solved with K).
struct FormGeneral {
  static constexpr int kPerBlock = 1024;
  struct Args {
    const double* A = nullptr;    ///< q x q, shared
    const double* r = nullptr;    ///< q x slots
    const int* list = nullptr;    ///< count slots
    long long count = 0;
    double* K = nullptr;          ///< q x q per slot
    double* W = nullptr;          ///< q x q per slot, or nullptr
    const double* z = nullptr;    ///< q x slots
    double* a = nullptr;          ///< q x slots, or nullptr
    double* right = nullptr;      ///< q x slots, or nullptr
    int q = 0;
  };
  static BlockGrid grid(const Args& a) { return {ceil_div(static_cast<long long>(a.q) * a.q, kPerBlock), a.count, 256, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* /*shared*/) {
    const long long slot = a.list[by];
    const long long qq = static_cast<long long>(a.q) * a.q;
    const double* r = a.r + slot * a.q;
    for_matrix_chunk(t, bx, kPerBlock, a.q, [&](long long e, long long row, long long col) {
      const double id = row == col ? 1.0 : 0.0;
      a.K[slot * qq + e] = id + r[row] * a.A[e];
      if (a.W != nullptr) a.W[slot * qq + e] = id;
    });
    if (bx == 0 && a.a != nullptr)
      for (int c = t.rank(); c < a.q; c += t.size()) {
        a.a[slot * a.q + c] = a.z[slot * a.q + c];
        a.right[slot * a.q + c] = r[c] * a.z[slot * a.q + c];
      }
  }
};

/// One Fisher-scoring step of gene g, FLASHMM's plain iteration (GeneralPath::score_plain):
/// niter += 1; theta += ginv(F) dl; the gene is done when max|dl| <= epsilon, niter reaches
/// max_iter, or theta or max|dl| is not finite (then finite = 0). work: 3 (k+1)^2 doubles.
FLASHMM_HD void general_step(int k1, const double* dl, const double* F, double* theta, int* niter,
                             unsigned char* finite, unsigned char* done, int max_iter, double epsilon, double ginv_tol,
                             double* work) {
  *niter += 1;
  double max_dl = 0;
  for (int i = 0; i < k1; ++i) {
    const double v = std::fabs(dl[i]);
    if (v > max_dl || v != v) max_dl = v;  // a NaN stays
  }
  double* finv = work;
  pinv_symmetric(k1, F, k1, finv, k1, ginv_tol, work + k1 * k1);
  bool ok = std::isfinite(max_dl);
  double step[kMaxBatchedComponents + 1];
  for (int i = 0; i < k1; ++i) {
    double v = 0;
    for (int j = 0; j < k1; ++j) v += finv[i + j * k1] * dl[j];
    step[i] = v;
  }
  for (int i = 0; i < k1; ++i) {
    theta[i] += step[i];
    ok = ok && std::isfinite(theta[i]);
  }
  if (!ok) {
    *finite = 0;
    *done = 1;
  } else if (!(max_dl > epsilon) || *niter >= max_iter) {
    *done = 1;
  }
}

/// Sums of one slot's evaluation, member 0's part of ReduceUpdate: the score dl (k+1), the Fisher
/// information F ((k+1)^2, column-major), log|det M0| and zry' M D zry (for the residual
/// re-estimate), exactly the terms of GeneralPath::evaluate. rows: per row of B the sums of
/// general_row_sums. offsets: k+1 block starts of the components (offsets[k] = q).
struct GeneralSums {
  double logdet = 0;
  double zmdz = 0;
};

FLASHMM_HD GeneralSums general_score_from_rows(int q, int k, const int* offsets, const double* B, const double* M0,
                                               const double* factor, bool lu, const double* a, const double* right,
                                               const double* z, const double* rows, double yry, double n_eff,
                                               double s0, double* dl, double* F) {
  const int k1 = k + 1;
  const double s02 = s0 * s0;
  const long long ql = q;
  for (int i = 0; i < k; ++i) {
    double sum_a2 = 0, tr_b = 0, tr_c = 0;
    for (int c = offsets[i]; c < offsets[i + 1]; ++c) {
      sum_a2 += a[c] * a[c];
      tr_b += B[c + c * ql];
      tr_c += rows[c];
    }
    dl[i] = (sum_a2 / s02 - tr_b / s0) / 2;
    for (int j = 0; j <= i; ++j) {
      double f = 0;  // |B[I_j, I_i]|^2: rows in component j, columns in component i
      for (int row = offsets[j]; row < offsets[j + 1]; ++row) f += rows[row + (2 + i) * ql];
      F[i + j * k1] = F[j + i * k1] = f / s02 / 2;
    }
    F[i + k * k1] = F[k + i * k1] = tr_c / s02 / 2;
  }
  double mm = 0, tr_m0 = 0, yr2y_sub = 0, zmdz = 0, logdet = 0;
  for (int c = 0; c < q; ++c) {
    mm += rows[c + ql];
    tr_m0 += M0[c + c * ql];
    yr2y_sub += (a[c] + z[c]) * right[c];
    zmdz += z[c] * right[c];
    const double d = factor[c + c * ql];
    logdet -= lu ? std::log(std::fabs(d)) : 2 * std::log(d);
  }
  F[k + k * k1] = (n_eff + mm) / s02 / 2;
  const double yr2y = yry - yr2y_sub;
  dl[k] = (yr2y / s02 - (n_eff + tr_m0) / s0) / 2;
  GeneralSums out;
  out.logdet = logdet;
  out.zmdz = zmdz;
  return out;
}

/// Per row of one slot's B and M0: rows[a] = sum_c B(a, c) M0(c, a) (the trace terms of C = B M0),
/// rows[q + a] = sum_c M0(a, c) M0(c, a), rows[(2 + i) q + a] = sum over c in component i of
/// B(a, c)^2. One member per row, c in order (consecutive members read consecutive rows).
template <class Team>
FLASHMM_HD void general_row_sums(const Team& t, int q, int k, const int* offsets, const double* B, const double* M0,
                                 double* rows) {
  const long long ql = q;
  for (int row = t.rank(); row < q; row += t.size()) {
    double tc = 0, mm = 0;
    for (int i = 0; i < k; ++i) {
      double bsq = 0;
      for (int c = offsets[i]; c < offsets[i + 1]; ++c) {
        const double b = B[row + c * ql];
        const double m_cr = M0[c + row * ql];
        bsq += b * b;
        tc += b * m_cr;
        mm += M0[row + c * ql] * m_cr;
      }
      rows[row + (2 + i) * ql] = bsq;
    }
    rows[row] = tc;
    rows[row + ql] = mm;
  }
}

/// What ReduceUpdate does with an evaluation.
enum class GeneralMode : int {
  iterate = 0,   ///< a Fisher-scoring step (general_step)
  reestimate = 1,  ///< FLASHMM's last step at the final s: finite genes get s0 re-estimated (then
                   ///< one more evaluation, mode final); the others keep this evaluation
  final = 2,     ///< the evaluation at the final theta: kept, with the log-likelihood
};

/// The reduction and the per-gene update of one evaluation, one block per slot.
struct ReduceUpdate {
  struct Args {
    const double* B = nullptr;       ///< q x q per slot
    const double* M0 = nullptr;      ///< q x q per slot
    const double* factor = nullptr;  ///< q x q per slot
    long long stride = 0;            ///< q^2
    const double* a = nullptr;       ///< q x slots
    const double* right = nullptr;   ///< q x slots
    const double* z = nullptr;       ///< q x slots
    const unsigned char* lu = nullptr;  ///< slots
    const int* idx = nullptr;        ///< slots
    const int* offsets = nullptr;    ///< k + 1
    int q = 0, k = 0;
    double* rows = nullptr;          ///< (k + 2) q per slot
    double* work = nullptr;          ///< 3 (k+1)^2 per slot
    GeneralGeneState state;
    const double* yry = nullptr;     ///< G
    double n_eff = 0, n_pres = 0;    ///< n - pres - q, n - pres
    int max_iter = 0;
    double epsilon = 0, ginv_tol = 0;
    GeneralMode mode = GeneralMode::iterate;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 256, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* /*shared*/) {
    const long long qq = a.stride, ql = a.q;
    const int k1 = a.k + 1;
    double* rows = a.rows + bx * (a.k + 2) * ql;
    general_row_sums(t, a.q, a.k, a.offsets, a.B + bx * qq, a.M0 + bx * qq, rows);
    t.sync();
    if (t.rank() != 0) return;
    const long long g = a.idx[bx];
    double* theta = a.state.theta + k1 * g;
    double* dl = a.state.dl + k1 * g;
    double* F = a.state.F + static_cast<long long>(k1) * k1 * g;
    const double s0 = theta[a.k];
    const GeneralSums sums =
        general_score_from_rows(a.q, a.k, a.offsets, a.B + bx * qq, a.M0 + bx * qq, a.factor + bx * qq, a.lu[bx] != 0,
                                a.a + bx * ql, a.right + bx * ql, a.z + bx * ql, rows, a.yry[g], a.n_eff, s0, dl, F);
    a.state.logdet[g] = sums.logdet;
    const double nan = hd_nan();
    switch (a.mode) {
      case GeneralMode::iterate:
        general_step(k1, dl, F, theta, a.state.niter + g, a.state.finite + g, a.state.done + g, a.max_iter, a.epsilon,
                     a.ginv_tol, a.work + bx * 3 * k1 * k1);
        break;
      case GeneralMode::reestimate:
        a.state.loglik[g] = nan;
        if (a.state.finite[g]) theta[a.k] = (a.yry[g] - sums.zmdz) / a.n_pres;
        break;
      case GeneralMode::final: {
        // The (restricted) log-likelihood where theta is in the region where V is positive
        // definite for sure (s0 > 0, every ratio >= 0): GeneralObjective::loglik with
        // log|I + D A| = -log|det M0| and zry' M D zry; elsewhere the host decides (NaN).
        bool valid = s0 > 0 && std::isfinite(s0);
        for (int i = 0; i < a.k; ++i) valid = valid && theta[i] / s0 >= 0 && std::isfinite(theta[i]);
        double ll = nan;
        if (valid) {
          constexpr double log_2pi = 1.8378770664093454836;
          ll = -(a.n_pres * (log_2pi + std::log(s0)) - sums.logdet + (a.yry[g] - sums.zmdz) / s0) / 2.0;
          if (!std::isfinite(ll)) ll = -hd_infinity();
        }
        a.state.loglik[g] = ll;
        break;
      }
    }
  }
};

}  // namespace flashmm::detail
