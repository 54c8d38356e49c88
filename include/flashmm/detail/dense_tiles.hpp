#pragma once
// Dense linear algebra on one matrix by a team (flashmm/detail/team.hpp): the per-matrix device
// functions of the batched factorizations (MAGMA's layering). Column-major storage with a leading
// dimension; the matrices may lie in shared or global memory. Each output is computed by one
// member in a fixed order, so that results do not depend on the team's size.
#include <flashmm/detail/team.hpp>

#include <cmath>

namespace flashmm::detail {

/// Cholesky factorization A = L L' in place (lower triangle; the strict upper triangle is left as
/// it is). Returns 0, or the 1-based column at which a pivot was not positive and finite (LAPACK's
/// info; the factorization stops there). Every member returns the same value.
template <class Team>
FLASHMM_HD int potrf_lower(const Team& t, double* a, long long lda, int n) {
  for (int j = 0; j < n; ++j) {
    const double d = a[j + j * lda];
    t.sync();  // every member has read the pivot before it is overwritten
    if (!(d > 0) || !std::isfinite(d)) return j + 1;
    const double l = std::sqrt(d);
    for (int i = j + t.rank(); i < n; i += t.size()) a[i + j * lda] = i == j ? l : a[i + j * lda] / l;
    t.sync();
    // Trailing update of the lower triangle: a(r, c) -= l(r) l(c) for j < c <= r.
    const int m = n - j - 1;
    for (int e = t.rank(); e < m * m; e += t.size()) {
      const int r = e % m, c = e / m;
      if (r >= c) a[(j + 1 + r) + (j + 1 + c) * lda] -= a[(j + 1 + r) + j * lda] * a[(j + 1 + c) + j * lda];
    }
    t.sync();
  }
  return 0;
}

/// X := X L^-T for X rows x n (ld ldx) and L n x n lower triangular (ld ldl): each member solves
/// whole rows. No barrier inside; the caller synchronizes around it.
template <class Team>
FLASHMM_HD void trsm_rows_lower_t(const Team& t, const double* L, long long ldl, int n, double* X, long long ldx,
                                  int rows) {
  for (int r = t.rank(); r < rows; r += t.size())
    for (int c = 0; c < n; ++c) {
      double x = X[r + c * ldx];
      for (int m = 0; m < c; ++m) x -= X[r + m * ldx] * L[c + m * ldl];
      X[r + c * ldx] = x / L[c + c * ldl];
    }
}

/// X := L^-1 X (transposed false) or L^-T X (true) for X n x cols (ld ldx) and L n x n lower
/// triangular: each member solves whole columns. No barrier inside.
template <class Team>
FLASHMM_HD void trsm_cols_lower(const Team& t, const double* L, long long ldl, int n, double* X, long long ldx, int cols,
                                bool transposed) {
  for (int c = t.rank(); c < cols; c += t.size()) {
    double* x = X + c * ldx;
    if (!transposed) {
      for (int r = 0; r < n; ++r) {
        double v = x[r];
        for (int m = 0; m < r; ++m) v -= L[r + m * ldl] * x[m];
        x[r] = v / L[r + r * ldl];
      }
    } else {
      for (int r = n - 1; r >= 0; --r) {
        double v = x[r];
        for (int m = r + 1; m < n; ++m) v -= L[m + r * ldl] * x[m];
        x[r] = v / L[r + r * ldl];
      }
    }
  }
}

/// dst := src for a rows x cols block (coalesced: consecutive members take consecutive rows).
template <class Team>
FLASHMM_HD void copy_block(const Team& t, const double* src, long long lds, double* dst, long long ldd, int rows,
                           int cols) {
  const long long n = static_cast<long long>(rows) * cols;
  for (long long e = t.rank(); e < n; e += t.size()) {
    const long long r = e % rows, c = e / rows;
    dst[r + c * ldd] = src[r + c * lds];
  }
}

}  // namespace flashmm::detail
