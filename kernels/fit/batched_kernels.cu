// The batched fit's operations on the device: one thin kernel template, instantiated once per
// operation of flashmm/detail (FLASHMM_BATCHED_OPERATIONS), whose blocks run the operation's
// per-block function with the thread block as the team; the CPU tests run the same functions
// (host/fit/cpu_batched_ops.cpp).
#include "common/resources.hpp"
#include "fit/batched_kernels.hpp"

namespace flashmm::cuda {

namespace {

template <class Op>
__global__ void __launch_bounds__(detail::kMaxBlockThreads) batched_kernel(const typename Op::Args args) {
  extern __shared__ double shared[];
  Op::block(detail::BlockTeam{}, args, static_cast<long long>(blockIdx.x), static_cast<long long>(blockIdx.y), shared);
}

template <class Op>
void launch_op(const typename Op::Args& args, cudaStream_t stream, const char* name) {
  const detail::BlockGrid g = Op::grid(args);
  if (g.x <= 0 || g.y <= 0) return;
  const std::size_t bytes = static_cast<std::size_t>(g.shared_doubles) * sizeof(double);
  if (bytes > 48 * 1024)  // beyond the default, a kernel must opt in
    check(cudaFuncSetAttribute(batched_kernel<Op>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
          name);
  const dim3 grid(static_cast<unsigned>(g.x), static_cast<unsigned>(g.y));
  batched_kernel<Op><<<grid, static_cast<unsigned>(g.threads), bytes, stream>>>(args);
  check(cudaGetLastError(), name);
}

}  // namespace

#define FLASHMM_DEFINE_LAUNCH(Op)                                      \
  void launch(const detail::Op::Args& args, cudaStream_t stream) {     \
    launch_op<detail::Op>(args, stream, "launch of the " #Op " kernel"); \
  }
FLASHMM_BATCHED_OPERATIONS(FLASHMM_DEFINE_LAUNCH)
#undef FLASHMM_DEFINE_LAUNCH

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, batched_kernel<detail::SpectralGenes>);
}

}  // namespace flashmm::cuda
