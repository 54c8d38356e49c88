#pragma once
// The Moore-Penrose pseudo-inverse of a small symmetric matrix with R MASS::ginv's rule
// (singular values <= tol x the largest are dropped; tol = sqrt(machine epsilon)), for the
// Fisher information of the variance components ((k+1) x (k+1), each iteration of every gene)
// and the fixed-effects fallback of symmetric_ginv (p x p, rare). A symmetric matrix's singular
// values are the absolute values of its eigenvalues, so the cyclic Jacobi eigenvalue method
// gives ginv's result (host/fit/ginv.cpp, an SVD) to rounding. Serial: one thread per matrix.
#include <flashmm/detail/hd.hpp>

#include <cmath>

namespace flashmm::detail {

/// Eigendecomposition of the symmetric n x n matrix held in A (n x n, ld n; overwritten: its
/// diagonal ends as the eigenvalues) by cyclic Jacobi rotations; V (n x n, ld n) receives the
/// eigenvectors as columns. Converges quadratically; stops when the off-diagonal part is below
/// rounding of the diagonal (or after 100 sweeps, which no matrix of this size needs).
FLASHMM_HD void jacobi_eigen_symmetric(int n, double* A, double* V) {
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) V[i + j * n] = i == j ? 1.0 : 0.0;
  constexpr double eps = kHdEpsilon;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int j = 0; j < n; ++j) {
      diag += A[j + j * n] * A[j + j * n];
      for (int i = j + 1; i < n; ++i) off += A[i + j * n] * A[i + j * n];
    }
    if (!(off > eps * eps * diag * 1e-4) || !(off > 0)) break;
    for (int p = 0; p < n - 1; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = A[q + p * n];
        if (apq == 0) continue;
        const double app = A[p + p * n], aqq = A[q + q * n];
        // The rotation that zeroes A(p, q) (Golub & Van Loan, Algorithm 8.4.1, the smaller angle).
        const double tau = (aqq - app) / (2 * apq);
        const double t = (tau >= 0 ? 1.0 : -1.0) / (std::fabs(tau) + std::sqrt(1 + tau * tau));
        const double c = 1 / std::sqrt(1 + t * t), s = t * c;
        for (int k = 0; k < n; ++k) {  // A := A J (columns p, q)
          const double akp = A[k + p * n], akq = A[k + q * n];
          A[k + p * n] = c * akp - s * akq;
          A[k + q * n] = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // A := J' A (rows p, q)
          const double apk = A[p + k * n], aqk = A[q + k * n];
          A[p + k * n] = c * apk - s * aqk;
          A[q + k * n] = s * apk + c * aqk;
        }
        A[q + p * n] = A[p + q * n] = 0;
        for (int k = 0; k < n; ++k) {  // V := V J
          const double vkp = V[k + p * n], vkq = V[k + q * n];
          V[k + p * n] = c * vkp - s * vkq;
          V[k + q * n] = s * vkp + c * vkq;
        }
      }
  }
}

/// out (n x n, ld ldo) := ginv(a) for a symmetric n x n matrix a (ld lda; its symmetric part
/// (a + a') / 2 is used). Eigenvalues with |lambda| <= tol x max|lambda| are dropped; a matrix
/// with a non-finite entry gives all NaN (as ginv). work: 2 n^2 doubles.
FLASHMM_HD void pinv_symmetric(int n, const double* a, long long lda, double* out, long long ldo, double tol,
                               double* work) {
  double* A = work;
  double* V = work + n * n;
  bool finite = true;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double v = (a[i + j * lda] + a[j + i * lda]) / 2;
      finite = finite && std::isfinite(v);
      A[i + j * n] = v;
    }
  if (!finite) {
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) out[i + j * ldo] = hd_nan();
    return;
  }
  jacobi_eigen_symmetric(n, A, V);
  double largest = 0;
  for (int i = 0; i < n; ++i) largest = std::fabs(A[i + i * n]) > largest ? std::fabs(A[i + i * n]) : largest;
  const double cut = tol * largest;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      double v = 0;
      for (int e = 0; e < n; ++e) {
        const double lambda = A[e + e * n];
        if (std::fabs(lambda) > cut) v += V[i + e * n] * V[j + e * n] / lambda;
      }
      out[i + j * ldo] = v;
    }
}

}  // namespace flashmm::detail
