// Summary-statistics kernels (ALGORITHM.md section 2): value transform, offsets for cuSPARSE,
// and the per-gene accumulation of XY, ZY and Ynorm. Layouts: see summary_stats_kernels.hpp.
#include "common/resources.hpp"
#include "stats/summary_stats_kernels.hpp"

#include <algorithm>

namespace flashmm::cuda {

namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kThreads = 256;

int grid_for(std::int64_t items) {
  const std::int64_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<int>(std::min<std::int64_t>(std::max<std::int64_t>(blocks, 1), 1 << 20));  // grid-stride beyond
}

template <class T>
__global__ void transform_values_kernel(const T* __restrict__ values, long long nnz, bool log2p1,
                                        double* __restrict__ out) {
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long e = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; e < nnz; e += step) {
    const double x = static_cast<double>(values[e]);
    out[e] = log2p1 ? log2(1.0 + x) : x;
  }
}

__global__ void offsets_to_int32_kernel(const long long* __restrict__ in, long long count, int* __restrict__ out) {
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    out[i] = static_cast<int>(in[i]);
}

// One warp per gene. Shared memory: warps_per_block x (p + q) doubles; warp w's slice holds
// the gene's XY column (p) then its ZY column (q), loaded from the open block's partial sums.
// The warp takes 32 of the gene's entries at a time (coalesced loads), then walks them in
// order: the entry's value is broadcast and the lanes add it into the (distinct) columns of the
// cell's design row. Every accumulator thus receives its terms in cell order, as in the CPU
// loop; __dmul_rn/__dadd_rn keep the compiler from fusing them into FMAs, so the partial sums
// are the CPU's to the rounding of log2.
__global__ void accumulate_genes_kernel(GeneMajorChunk y, DesignRows d, double* __restrict__ XY,
                                        double* __restrict__ ZY, double* __restrict__ Ynorm,
                                        double* __restrict__ Ysum, int* error_flag) {
  extern __shared__ double shared[];
  const int lane = static_cast<int>(threadIdx.x & 31u);
  const int warp = static_cast<int>(threadIdx.x >> 5);
  const long long gene = static_cast<long long>(blockIdx.x) * (blockDim.x >> 5) + warp;
  if (gene >= y.genes) return;  // gene is the same for the 32 lanes: whole warps leave
  const int p = d.p, q = d.q, width = p + q;
  double* acc = shared + static_cast<long long>(warp) * width;
  double* xy = XY + gene * p;
  double* zy = ZY + gene * q;
  for (int c = lane; c < width; c += 32) acc[c] = c < p ? xy[c] : zy[c - p];
  __syncwarp();

  double yy = Ynorm[gene], ys = Ysum[gene];  // the same in every lane; lane 0 writes them
  const int e0 = y.start[gene], e1 = y.start[gene + 1];
  for (int base = e0; base < e1; base += 32) {
    const int e = base + lane;
    int cell = 0;
    double v = 0.0;
    if (e < e1) {
      cell = y.cell[e];
      v = y.value[e];
    }
    const int count = min(32, e1 - base);
    for (int j = 0; j < count; ++j) {
      const int c = __shfl_sync(kFullMask, cell, j);
      const double vj = __shfl_sync(kFullMask, v, j);
      if (c < 0 || c >= d.cells) {  // uniform across the warp
        if (lane == 0) atomicOr(error_flag, 1);
        continue;
      }
      yy = __dadd_rn(yy, __dmul_rn(vj, vj));
      ys = __dadd_rn(ys, vj);
      for (int a = d.x_start[c] + lane; a < d.x_start[c + 1]; a += 32) {
        const int col = d.x_col[a];
        if (col >= 0 && col < p)
          acc[col] = __dadd_rn(acc[col], __dmul_rn(d.x_val[a], vj));
        else
          atomicOr(error_flag, 2);
      }
      for (int a = d.z_start[c] + lane; a < d.z_start[c + 1]; a += 32) {
        const int col = d.z_col[a];
        if (col >= 0 && col < q)
          acc[p + col] = __dadd_rn(acc[p + col], __dmul_rn(d.z_val[a], vj));
        else
          atomicOr(error_flag, 4);
      }
      __syncwarp();  // this cell's adds land before the next cell's
    }
  }
  __syncwarp();
  for (int c = lane; c < p; c += 32) xy[c] = acc[c];
  for (int c = lane; c < q; c += 32) zy[c] = acc[p + c];
  if (lane == 0) {
    Ynorm[gene] = yy;
    Ysum[gene] = ys;
  }
}

}  // namespace

void launch_transform_values(const void* values, ValueType type, std::int64_t nnz, bool log2p1, double* out,
                             cudaStream_t stream) {
  if (nnz <= 0) return;
  const int grid = grid_for(nnz);
  switch (type) {
    case ValueType::f32:
      transform_values_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const float*>(values), nnz, log2p1, out);
      break;
    case ValueType::f64:
      transform_values_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const double*>(values), nnz, log2p1, out);
      break;
    case ValueType::i32:
      transform_values_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const std::int32_t*>(values), nnz, log2p1, out);
      break;
    case ValueType::i64:
      transform_values_kernel<<<grid, kThreads, 0, stream>>>(static_cast<const long long*>(values), nnz, log2p1, out);
      break;
  }
  FLASHMM_CUDA_LAUNCHED("transform_values_kernel");
}

void launch_offsets_to_int32(const std::int64_t* in, std::int64_t count, int* out, cudaStream_t stream) {
  if (count <= 0) return;
  offsets_to_int32_kernel<<<grid_for(count), kThreads, 0, stream>>>(reinterpret_cast<const long long*>(in), count, out);
  FLASHMM_CUDA_LAUNCHED("offsets_to_int32_kernel");
}

int accumulate_warps_per_block(int p, int q, int shared_bytes_optin) {
  const long long per_warp = static_cast<long long>(p + q) * static_cast<long long>(sizeof(double));
  if (per_warp <= 0) return 8;
  return static_cast<int>(std::min<long long>(8, shared_bytes_optin / per_warp));
}

void launch_accumulate_genes(const GeneMajorChunk& y, const DesignRows& design, double* XY, double* ZY,
                             double* Ynorm, double* Ysum, int* error_flag, int warps_per_block, cudaStream_t stream) {
  if (y.genes <= 0) return;
  if (warps_per_block < 1 || warps_per_block > 32)
    throw_call_failed("warps_per_block " + std::to_string(warps_per_block) + " out of [1, 32]",
                      "launch_accumulate_genes");
  const std::size_t shared =
      static_cast<std::size_t>(warps_per_block) * static_cast<std::size_t>(design.p + design.q) * sizeof(double);
  if (shared > 48 * 1024)
    FLASHMM_CUDA(cudaFuncSetAttribute(accumulate_genes_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                      static_cast<int>(shared)));
  const long long blocks = (y.genes + warps_per_block - 1) / warps_per_block;
  accumulate_genes_kernel<<<static_cast<unsigned>(blocks), 32 * warps_per_block, shared, stream>>>(y, design, XY, ZY,
                                                                                                  Ynorm, Ysum, error_flag);
  FLASHMM_CUDA_LAUNCHED("accumulate_genes_kernel");
}

}  // namespace flashmm::cuda
