#pragma once
// FLASHMM_HD marks per-gene arithmetic shared by the CPU loop and the CUDA kernels: it expands to
// __host__ __device__ under nvcc and to nothing for a plain C++ compiler.
#if defined(__CUDACC__)
#define FLASHMM_HD __host__ __device__ __forceinline__
#else
#define FLASHMM_HD inline
#endif

#include <cfloat>
#include <cmath>

namespace flashmm::detail {

// Constants for host-device code: std::numeric_limits is host-only under nvcc.
inline constexpr double kHdEpsilon = DBL_EPSILON;
FLASHMM_HD double hd_nan() { return static_cast<double>(NAN); }
FLASHMM_HD double hd_infinity() { return static_cast<double>(INFINITY); }

}  // namespace flashmm::detail
