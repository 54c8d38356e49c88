#pragma once
// Internal: launchers of the summary-statistics kernels (summary_stats_kernels.cu). Plain C++
// declarations with raw device pointers, so that the host code that calls them (g++, Eigen)
// and the kernels (nvcc, no Eigen) stay apart. Every pointer below is DEVICE memory unless
// said otherwise; every launcher enqueues on `stream` and checks the launch.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace flashmm::cuda {

/// Stored type of the expression values as they come from the file.
enum class ValueType { f32, f64, i32, i64 };

/// out[e] = log2(1 + x) (log2p1) or x, x = double(values[e]), for e in [0, nnz).
/// values: nnz entries of `type`; out: nnz doubles. Values were checked on the host.
void launch_transform_values(const void* values, ValueType type, std::int64_t nnz, bool log2p1, double* out,
                             cudaStream_t stream);

/// out[i] = int32(in[i]) for i in [0, count): CSR row offsets for cuSPARSE (chunk nnz < 2^31,
/// checked on the host).
void launch_offsets_to_int32(const std::int64_t* in, std::int64_t count, int* out, cudaStream_t stream);

/// A chunk's design rows as per-cell lists of nonzeros (host/stats/summary_stats_internal.hpp's
/// SparseRows): cell i's X nonzeros are x_col/x_val[x_start[i] .. x_start[i+1]), columns
/// distinct (checked on the host); the same for Z.
struct DesignRows {
  const int* x_start = nullptr;     ///< cells + 1
  const int* x_col = nullptr;       ///< x_start[cells]
  const double* x_val = nullptr;    ///< x_start[cells]
  const int* z_start = nullptr;     ///< cells + 1
  const int* z_col = nullptr;       ///< z_start[cells]
  const double* z_val = nullptr;    ///< z_start[cells]
  int cells = 0;
  int p = 0;
  int q = 0;
};

/// A chunk's expression values gene-major (CSC of cells x genes), cells ascending in each gene.
struct GeneMajorChunk {
  const int* start = nullptr;       ///< genes + 1
  const int* cell = nullptr;        ///< start[genes]: cell index within the chunk
  const double* value = nullptr;    ///< start[genes]: transformed value
  std::int64_t genes = 0;
};

/// The most warps (genes) per block whose accumulators fit in shared memory, 0 if not even one:
/// each warp holds p + q doubles.
int accumulate_warps_per_block(int p, int q, int shared_bytes_optin);

/// Continues the open block's partial sums with the chunk's cells (all of that block):
///   XY(:, g) += X' y_g,  ZY(:, g) += Z' y_g,  Ynorm(g) += y_g' y_g,  Ysum(g) += sum(y_g)
/// One warp per gene loads the gene's partial sums into shared memory, adds the gene's cells in
/// order (as the CPU loop does, term by term), and stores them back: no atomics on doubles, so
/// the result is the same run to run and equals the CPU's to the rounding of log2.
/// XY: p x genes, column-major (ld p); ZY: q x genes (ld q); Ynorm, Ysum: genes. error_flag:
/// one int, set to nonzero when an index is out of range (should not happen: input is checked
/// on the host). warps_per_block from accumulate_warps_per_block (>= 1).
void launch_accumulate_genes(const GeneMajorChunk& y, const DesignRows& design, double* XY, double* ZY,
                             double* Ynorm, double* Ysum, int* error_flag, int warps_per_block, cudaStream_t stream);

}  // namespace flashmm::cuda
