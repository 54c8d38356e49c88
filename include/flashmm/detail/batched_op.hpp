#pragma once
// The form of every batched device operation of the fit (MAGMA's layering): an Op struct with
//   Args                      the launch's arguments (raw pointers, sizes; device memory on the
//                             GPU, host memory in the CPU emulation),
//   static BlockGrid grid(a)  the grid: blocks in x and y, threads per block, shared memory,
//   static void block(team, a, bx, by, shared)
//                             the per-block device function (FLASHMM_HD, written against a team).
// kernels/fit/batched_kernels.cu runs block() as one CUDA thread block per grid cell; the CPU
// emulation (host/fit/cpu_batched_ops.cpp) runs it for every cell in turn with a serial team.
// Blocks of one launch never depend on each other, so the order does not matter.
#include <flashmm/detail/team.hpp>

namespace flashmm::detail {

struct BlockGrid {
  long long x = 1, y = 1;        ///< blocks; y <= 65535
  int threads = 128;             ///< per block, <= kMaxBlockThreads
  long long shared_doubles = 0;  ///< dynamic shared memory, in doubles
};

inline constexpr int kMaxBlockThreads = 256;

/// Ceiling of a / b for positive b.
FLASHMM_HD long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

/// The elementwise operations' loop: block bx of a q x q matrix's entries in chunks of per_block,
/// f(e, row, col) for each entry e = row + col q of the chunk, split over the team.
template <class Team, class F>
FLASHMM_HD void for_matrix_chunk(const Team& t, long long bx, long long per_block, int q, F&& f) {
  const long long qq = static_cast<long long>(q) * q;
  const long long end = (bx + 1) * per_block < qq ? (bx + 1) * per_block : qq;
  for (long long e = bx * per_block + t.rank(); e < end; e += t.size()) f(e, e % q, e / q);
}

}  // namespace flashmm::detail
