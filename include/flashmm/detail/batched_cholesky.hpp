#pragma once
// Batched blocked Cholesky factorization and triangular solves of one q x q matrix per slot
// (slot i's matrix at a + i * stride, column-major, ld lda), MAGMA's way: the diagonal tiles are
// factorized and the panels solved by the per-block functions below (one block per tile or row
// chunk, in shared memory), the trailing updates are strided-batched GEMMs (the driver,
// host/fit/batched_general.cpp, sequences them).
#include <flashmm/detail/batched_op.hpp>
#include <flashmm/detail/dense_tiles.hpp>

namespace flashmm::detail {

/// The tile of the blocked factorization and solves.
inline constexpr int kTile = 32;

/// Factorizes the diagonal tile (j, j) of jb x jb (jb <= kTile) of every slot in place; info[i]
/// gets j + the tile's 1-based failing column the first time a slot fails (and stays).
struct PotrfDiag {
  struct Args {
    double* a = nullptr;
    long long lda = 0, stride = 0;
    int j = 0, jb = 0;
    int* info = nullptr;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {a.slots, 1, 128, static_cast<long long>(a.jb) * a.jb}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long, double* shared) {
    double* tile = a.a + bx * a.stride + a.j + a.j * a.lda;
    copy_block(t, tile, a.lda, shared, a.jb, a.jb, a.jb);
    t.sync();
    const int info = potrf_lower(t, shared, a.jb, a.jb);
    t.sync();
    copy_block(t, shared, a.jb, tile, a.lda, a.jb, a.jb);
    if (info != 0 && t.rank() == 0 && a.info[bx] == 0) a.info[bx] = a.j + info;
  }
};

/// Rows below the diagonal tile: A(j+jb:q, j:j+jb) := A(j+jb:q, j:j+jb) L_jj^-T, kRows rows per block.
struct TrsmPanel {
  static constexpr int kRows = 128;
  struct Args {
    double* a = nullptr;
    long long lda = 0, stride = 0;
    int j = 0, jb = 0;
    int rows = 0;  ///< q - j - jb
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) {
    return {ceil_div(a.rows, kRows), a.slots, kRows, static_cast<long long>(a.jb) * a.jb + static_cast<long long>(kRows) * a.jb};
  }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* shared) {
    double* m = a.a + by * a.stride;
    const int r0 = a.j + a.jb + static_cast<int>(bx) * kRows;
    const int nr = a.j + a.jb + a.rows - r0 < kRows ? a.j + a.jb + a.rows - r0 : kRows;
    double* L = shared;
    double* X = shared + a.jb * a.jb;
    copy_block(t, m + a.j + a.j * a.lda, a.lda, L, a.jb, a.jb, a.jb);
    copy_block(t, m + r0 + a.j * a.lda, a.lda, X, nr, nr, a.jb);
    t.sync();
    trsm_rows_lower_t(t, L, a.jb, a.jb, X, nr, nr);
    t.sync();
    copy_block(t, X, nr, m + r0 + a.j * a.lda, a.lda, nr, a.jb);
  }
};

/// Rows j:j+jb of X (q x cols per slot): X(j:j+jb, :) := L_jj^-1 X(j:j+jb, :) (or L_jj^-T with
/// transposed), kCols columns per block; L is the factor (q x q per slot).
struct TrsmDiag {
  static constexpr int kCols = 128;
  struct Args {
    const double* L = nullptr;
    long long ldl = 0, stride_l = 0;
    double* x = nullptr;
    long long ldx = 0, stride_x = 0;
    int j = 0, jb = 0;
    int cols = 0;
    bool transposed = false;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) {
    return {ceil_div(a.cols, kCols), a.slots, kCols,
            static_cast<long long>(a.jb) * a.jb + static_cast<long long>(a.jb + 1) * kCols};
  }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* shared) {
    const double* Lm = a.L + by * a.stride_l;
    double* xm = a.x + by * a.stride_x;
    const int c0 = static_cast<int>(bx) * kCols;
    const int nc = a.cols - c0 < kCols ? a.cols - c0 : kCols;
    double* L = shared;
    double* X = shared + a.jb * a.jb;
    const int ldx_shared = a.jb + 1;  // odd stride: members (columns) fall in different banks
    copy_block(t, Lm + a.j + a.j * a.ldl, a.ldl, L, a.jb, a.jb, a.jb);
    copy_block(t, xm + a.j + c0 * a.ldx, a.ldx, X, ldx_shared, a.jb, nc);
    t.sync();
    trsm_cols_lower(t, L, a.jb, a.jb, X, ldx_shared, nc, a.transposed);
    t.sync();
    copy_block(t, X, ldx_shared, xm + a.j + c0 * a.ldx, a.ldx, a.jb, nc);
  }
};

/// K := I + diag(s) A diag(s) and, when P is given, P := diag(s) A, for every slot (A shared by all
/// slots, q x q, ld q; s: q per slot; K, P: q x q per slot, ld q, stride q^2). The symmetric form
/// of I + D A for D = diag(s)^2 >= 0 (host/fit/batched_general.cpp derives it).
struct FormScaled {
  static constexpr int kPerBlock = 1024;
  struct Args {
    const double* A = nullptr;
    const double* s = nullptr;
    double* K = nullptr;
    double* P = nullptr;
    int q = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) {
    return {ceil_div(static_cast<long long>(a.q) * a.q, kPerBlock), a.slots, 256, 0};
  }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* /*shared*/) {
    const long long qq = static_cast<long long>(a.q) * a.q;
    const double* s = a.s + by * a.q;
    for_matrix_chunk(t, bx, kPerBlock, a.q, [&](long long e, long long r, long long c) {
      const double sa = s[r] * a.A[e];
      a.K[by * qq + e] = (r == c ? 1.0 : 0.0) + sa * s[c];
      if (a.P != nullptr) a.P[by * qq + e] = sa;
    });
  }
};

/// dst(slot) := src (count doubles) for every slot (dst stride `stride`).
struct Broadcast {
  static constexpr int kPerBlock = 4096;
  struct Args {
    const double* src = nullptr;
    long long count = 0;
    double* dst = nullptr;
    long long stride = 0;
    long long slots = 0;
  };
  static BlockGrid grid(const Args& a) { return {ceil_div(a.count, kPerBlock), a.slots, 256, 0}; }
  template <class Team>
  FLASHMM_HD static void block(const Team& t, const Args& a, long long bx, long long by, double* /*shared*/) {
    for (long long e = bx * kPerBlock + t.rank(); e < a.count && e < (bx + 1) * kPerBlock; e += t.size())
      a.dst[by * a.stride + e] = a.src[e];
  }
};

}  // namespace flashmm::detail
