#pragma once
// A team of threads that works on one gene's matrices together: the per-matrix device functions
// of the batched kernels (MAGMA's layering: device function, thin kernel, host launcher) take a
// team, so that the same function runs as one CUDA thread block on the device and as one serial
// "team" of a single member on the CPU, where the tests run it.
//
// The functions written against a team split their loops by rank (i = rank; i < n; i += size),
// let each output be computed by exactly one member in a fixed order and reduce in a fixed order
// on member 0: their results do not depend on the team's size (bits equal up to the compilers'
// contraction of a * b + c into fused multiply-adds).
#include <flashmm/detail/hd.hpp>

namespace flashmm::detail {

/// The CPU's team: one member, no barrier needed.
struct SerialTeam {
  FLASHMM_HD int rank() const { return 0; }
  FLASHMM_HD int size() const { return 1; }
  FLASHMM_HD void sync() const {}
};

/// The device's team: the calling thread block (one-dimensional). On the host (where it is never
/// used) it behaves as a serial team, so that host-device functions taking it compile for both.
struct BlockTeam {
  FLASHMM_HD int rank() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(threadIdx.x);
#else
    return 0;
#endif
  }
  FLASHMM_HD int size() const {
#if defined(__CUDA_ARCH__)
    return static_cast<int>(blockDim.x);
#else
    return 1;
#endif
  }
  FLASHMM_HD void sync() const {
#if defined(__CUDA_ARCH__)
    __syncthreads();
#endif
  }
};

}  // namespace flashmm::detail
