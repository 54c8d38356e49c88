#pragma once
// Dense linear algebra on the small matrices of one gene (a few to a few dozen rows), written as
// plain loops over caller-owned arrays so that the same code runs in the CPU scorer and, later,
// in one GPU thread per gene: LU with partial pivoting, the inverse from it, and the
// Moore-Penrose pseudo-inverse of a small symmetric matrix with R MASS::ginv's rule.
// Matrices are column-major: entry (i, j) of an n x n matrix at a[i + j * n].
#include <flashmm/detail/hd.hpp>

#include <cmath>

namespace flashmm::detail {

/// LU factorisation with partial pivoting of the n x n matrix a, in place (L unit lower, U upper),
/// row interchanges in piv (n). Returns false when a pivot is exactly zero or not finite (the
/// matrix is singular or holds NaN); a is then partly factorised and must not be used.
FLASHMM_HD bool small_lu(double* a, int n, int* piv) {
  for (int j = 0; j < n; ++j) {
    int best = j;
    double best_abs = std::fabs(a[j + j * n]);
    for (int i = j + 1; i < n; ++i) {
      const double v = std::fabs(a[i + j * n]);
      if (v > best_abs) {
        best = i;
        best_abs = v;
      }
    }
    piv[j] = best;
    if (!(best_abs > 0) || !std::isfinite(best_abs)) return false;
    if (best != j)
      for (int c = 0; c < n; ++c) {
        const double t = a[j + c * n];
        a[j + c * n] = a[best + c * n];
        a[best + c * n] = t;
      }
    const double inv = 1.0 / a[j + j * n];
    for (int i = j + 1; i < n; ++i) a[i + j * n] *= inv;
    for (int c = j + 1; c < n; ++c) {
      const double u = a[j + c * n];
      if (u == 0) continue;
      for (int i = j + 1; i < n; ++i) a[i + c * n] -= a[i + j * n] * u;
    }
  }
  return true;
}

/// log|det| of a matrix from its small_lu factors: the sum of log|U_ii|.
FLASHMM_HD double small_lu_log_abs_det(const double* lu, int n) {
  double out = 0;
  for (int i = 0; i < n; ++i) out += std::log(std::fabs(lu[i + i * n]));
  return out;
}

/// The inverse (n x n, into inv) of the matrix whose small_lu factors are lu, piv.
FLASHMM_HD void small_lu_inverse(const double* lu, const int* piv, int n, double* inv) {
  for (int c = 0; c < n; ++c) {
    double* x = inv + c * n;
    for (int i = 0; i < n; ++i) x[i] = i == c ? 1.0 : 0.0;
    for (int i = 0; i < n; ++i) {  // the row interchanges, in order
      const int p = piv[i];
      if (p != i) {
        const double t = x[i];
        x[i] = x[p];
        x[p] = t;
      }
    }
    for (int j = 0; j < n; ++j)  // L y = P e_c (unit diagonal)
      for (int i = j + 1; i < n; ++i) x[i] -= lu[i + j * n] * x[j];
    for (int j = n - 1; j >= 0; --j) {  // U x = y
      x[j] /= lu[j + j * n];
      for (int i = 0; i < j; ++i) x[i] -= lu[i + j * n] * x[j];
    }
  }
}

/// Doubles of work that small_symmetric_pinv needs for an n x n matrix.
FLASHMM_HD constexpr int small_symmetric_pinv_work(int n) { return 2 * n * n; }

/// Moore-Penrose pseudo-inverse of a symmetric n x n matrix a (only its lower triangle is read)
/// into out, with MASS::ginv's rule: singular values (here |eigenvalues|) <= tol x the largest
/// are dropped. Cyclic Jacobi rotations give the eigenvectors. A non-finite entry gives NaN
/// everywhere, as ginv does. work: small_symmetric_pinv_work(n) doubles.
FLASHMM_HD void small_symmetric_pinv(const double* a, int n, double tol, double* out, double* work) {
  double* s = work;          // the matrix being diagonalised
  double* v = work + n * n;  // accumulated rotations: columns are eigenvectors
  bool finite = true;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = i >= j ? a[i + j * n] : a[j + i * n];
      finite = finite && std::isfinite(x);
      s[i + j * n] = x;
      v[i + j * n] = i == j ? 1.0 : 0.0;
    }
  if (!finite) {
    for (int i = 0; i < n * n; ++i) out[i] = NAN;
    return;
  }
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, diag = 0;
    for (int j = 0; j < n; ++j) {
      diag += s[j + j * n] * s[j + j * n];
      for (int i = j + 1; i < n; ++i) off += s[i + j * n] * s[i + j * n];
    }
    if (!(off > 1e-36 * diag)) break;  // off-diagonal mass below (1e-18)^2 of the diagonal's
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = s[p + q * n];
        if (apq == 0) continue;
        const double app = s[p + p * n], aqq = s[q + q * n];
        const double theta = (aqq - app) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), sn = t * c;
        for (int k = 0; k < n; ++k) {  // s = J' s J, columns then rows
          const double skp = s[k + p * n], skq = s[k + q * n];
          s[k + p * n] = c * skp - sn * skq;
          s[k + q * n] = sn * skp + c * skq;
        }
        for (int k = 0; k < n; ++k) {
          const double spk = s[p + k * n], sqk = s[q + k * n];
          s[p + k * n] = c * spk - sn * sqk;
          s[q + k * n] = sn * spk + c * sqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = v[k + p * n], vkq = v[k + q * n];
          v[k + p * n] = c * vkp - sn * vkq;
          v[k + q * n] = sn * vkp + c * vkq;
        }
      }
  }
  double largest = 0;
  for (int i = 0; i < n; ++i) largest = std::fmax(largest, std::fabs(s[i + i * n]));
  const double cut = tol * largest;
  for (int i = 0; i < n * n; ++i) out[i] = 0;
  for (int e = 0; e < n; ++e) {
    const double lambda = s[e + e * n];
    if (!(std::fabs(lambda) > cut)) continue;
    const double inv = 1.0 / lambda;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) out[i + j * n] += v[i + e * n] * inv * v[j + e * n];
  }
}

}  // namespace flashmm::detail
