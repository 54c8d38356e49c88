#pragma once
// Internal: the blocked batched Cholesky factorization and triangular solves of one q x q matrix
// per slot, MAGMA's way, through BatchedOps: the diagonal tiles and panels by the per-block
// functions of flashmm/detail/batched_cholesky.hpp, the trailing updates by strided-batched GEMMs.
#include "fit/batched_ops.hpp"

#include <algorithm>

namespace flashmm::detail {

// The blocked factorization and solves of one q x q matrix per slot (flashmm/detail/
// batched_cholesky.hpp for the tiles; strided-batched GEMMs for the trailing updates).
class BlockedCholesky {
 public:
  BlockedCholesky(BatchedOps& ops, int q) : ops_(ops), q_(q), qq_(static_cast<long long>(q) * q) {}

  // K = L L' in place for slots 0..slots-1 (K + i q^2); info[i] as PotrfDiag.
  void factorize(double* K, int* info, int slots) {
    for (int j = 0; j < q_; j += kTile) {
      const int jb = std::min(kTile, q_ - j);
      ops_.run(PotrfDiag::Args{K, q_, qq_, j, jb, info, slots});
      const int m = q_ - j - jb;
      if (m == 0) continue;
      ops_.run(TrsmPanel::Args{K, q_, qq_, j, jb, m, slots});
      double* panel = K + (j + jb) + static_cast<long long>(j) * q_;
      ops_.gemm_strided(Trans::n, Trans::t, m, m, jb, -1.0, panel, q_, qq_, panel, q_, qq_, 1.0,
                        K + (j + jb) + static_cast<long long>(j + jb) * q_, q_, qq_, slots);
    }
  }

  // X := L^-1 X (transposed false) or L^-T X for X q x cols per slot (ld ldx, stride sx).
  void solve(const double* L, double* X, int ldx, long long sx, int cols, bool transposed, int slots) {
    if (!transposed) {
      for (int j = 0; j < q_; j += kTile) {
        const int jb = std::min(kTile, q_ - j);
        ops_.run(TrsmDiag::Args{L, q_, qq_, X, ldx, sx, j, jb, cols, false, slots});
        const int m = q_ - j - jb;
        if (m > 0)
          ops_.gemm_strided(Trans::n, Trans::n, m, cols, jb, -1.0, L + (j + jb) + static_cast<long long>(j) * q_, q_,
                            qq_, X + j, ldx, sx, 1.0, X + j + jb, ldx, sx, slots);
      }
    } else {
      for (int j = (q_ - 1) / kTile * kTile; j >= 0; j -= kTile) {
        const int jb = std::min(kTile, q_ - j);
        ops_.run(TrsmDiag::Args{L, q_, qq_, X, ldx, sx, j, jb, cols, true, slots});
        if (j > 0)
          ops_.gemm_strided(Trans::t, Trans::n, j, cols, jb, -1.0, L + j, q_, qq_, X + j, ldx, sx, 1.0, X, ldx, sx,
                            slots);
      }
    }
  }

 private:
  BatchedOps& ops_;
  int q_;
  long long qq_;
};

}  // namespace flashmm::detail
