#pragma once
// FLASHMM_HD marks per-gene arithmetic shared by the CPU loop and the CUDA kernels: it expands to
// __host__ __device__ under nvcc and to nothing for a plain C++ compiler.
#if defined(__CUDACC__)
#define FLASHMM_HD __host__ __device__ __forceinline__
#else
#define FLASHMM_HD inline
#endif
