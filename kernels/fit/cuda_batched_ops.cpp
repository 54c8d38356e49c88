// The batched fit's device on CUDA (fit/cuda_batched_ops.hpp).
#include <flashmm/error.hpp>

#include "common/resources.hpp"
#include "fit/batched_kernels.hpp"
#include "fit/cuda_batched_ops.hpp"

#include <limits>

namespace flashmm::cuda {

namespace {

cublasOperation_t op_of(detail::Trans t) { return t == detail::Trans::n ? CUBLAS_OP_N : CUBLAS_OP_T; }

class CudaBatchedOps final : public detail::BatchedOps {
 public:
  CudaBatchedOps() : res_(0, 1), stream_(res_.stream(0)) {
    blas_ = res_.cublas();
    FLASHMM_CUDA(cublasSetStream(blas_, stream_));
  }
  ~CudaBatchedOps() override { (void)cudaStreamSynchronize(stream_); }

  // The free memory less a reserve for cuBLAS's workspaces and the allocator's rounding.
  std::size_t free_bytes() override {
    std::size_t free_bytes = 0, total = 0;
    FLASHMM_CUDA(cudaMemGetInfo(&free_bytes, &total));
    const std::size_t reserve = free_bytes / 20 + (std::size_t{256} << 20);
    return free_bytes > reserve ? free_bytes - reserve : 0;
  }

  std::shared_ptr<void> allocate(std::size_t bytes, const std::string& what) override {
    auto buffer = std::make_shared<DeviceBuffer>(bytes, what);
    return std::shared_ptr<void>(buffer, buffer->data());
  }

  // From pageable memory the copy returns once the bytes are staged: the host may reuse them.
  void upload(void* device, const void* host, std::size_t bytes) override {
    if (bytes > 0) FLASHMM_CUDA(cudaMemcpyAsync(device, host, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void download(void* host, const void* device, std::size_t bytes) override {
    if (bytes > 0) FLASHMM_CUDA(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream_));
    FLASHMM_CUDA(cudaStreamSynchronize(stream_));
  }

  void gemm_strided(detail::Trans ta, detail::Trans tb, int m, int n, int k, double alpha, const double* A, int lda,
                    long long sa, const double* B, int ldb, long long sb, double beta, double* C, int ldc,
                    long long sc, int batch) override {
    if (batch == 0 || m == 0 || n == 0) return;
    FLASHMM_CUDA(cublasDgemmStridedBatched(blas_, op_of(ta), op_of(tb), m, n, k, &alpha, A, lda, sa, B, ldb, sb, &beta,
                                           C, ldc, sc, batch));
  }

  void gemm_batched(detail::Trans ta, detail::Trans tb, int m, int n, int k, double alpha, const double* const* A,
                    int lda, const double* const* B, int ldb, double beta, double* const* C, int ldc,
                    int batch) override {
    if (batch == 0 || m == 0 || n == 0) return;
    FLASHMM_CUDA(cublasDgemmBatched(blas_, op_of(ta), op_of(tb), m, n, k, &alpha, A, lda, B, ldb, &beta, C, ldc, batch));
  }

  void getrf_batched(int n, double* const* A, int lda, int* pivots, int* info, int batch) override {
    if (batch == 0) return;
    FLASHMM_CUDA(cublasDgetrfBatched(blas_, n, A, lda, pivots, info, batch));
  }

  void getrs_batched(detail::Trans t, int n, int nrhs, const double* const* A, int lda, const int* pivots,
                     double* const* B, int ldb, int batch) override {
    if (batch == 0) return;
    int info = 0;  // host: the arguments' check
    FLASHMM_CUDA(cublasDgetrsBatched(blas_, op_of(t), n, nrhs, A, lda, pivots, B, ldb, &info, batch));
    if (info != 0)
      throw NumericalError("internal error: cublasDgetrsBatched refused argument " + std::to_string(-info));
  }

#define FLASHMM_CUDA_RUN(Op) \
  void run(const detail::Op::Args& args) override { launch(args, stream_); }
  FLASHMM_BATCHED_OPERATIONS(FLASHMM_CUDA_RUN)
#undef FLASHMM_CUDA_RUN

 private:
  Resources res_;
  cudaStream_t stream_;
  cublasHandle_t blas_ = nullptr;
};

}  // namespace

std::unique_ptr<detail::BatchedOps> make_cuda_batched_ops() { return std::make_unique<CudaBatchedOps>(); }

}  // namespace flashmm::cuda
