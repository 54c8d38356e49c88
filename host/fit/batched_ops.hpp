#pragma once
// Internal: the device the batched fit runs on, as the drivers (fit/batched_general.hpp) see it:
// memory, copies, the cuBLAS calls the fit makes and one launch per batched operation of
// flashmm/detail (batched_op.hpp). Two implementations: the CUDA one (kernels/fit/, the plugin)
// and the CPU emulation (fit/cpu_batched_ops.cpp), which runs the very same per-block functions
// with a serial team and the BLAS calls with their cuBLAS semantics (column-major, leading
// dimensions, strides, pointer arrays, LAPACK pivots), so that the tests run the device's
// driver, layouts and per-gene arithmetic without a device.
#include <flashmm/detail/batched_operations.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail {

enum class Trans { n, t };

class BatchedOps {
 public:
  virtual ~BatchedOps() = default;

  // --- memory (device memory on the GPU; every pointer below is of this kind) --------------
  /// Bytes the fit may still allocate (on the GPU: the free memory less what cuBLAS may need).
  virtual std::size_t free_bytes() = 0;
  /// An allocation, freed when the last copy of the pointer goes. Out of memory: DeviceError
  /// saying how much `what` needed.
  virtual std::shared_ptr<void> allocate(std::size_t bytes, const std::string& what) = 0;
  virtual void upload(void* device, const void* host, std::size_t bytes) = 0;
  /// Returns when the bytes are in host memory (after all work enqueued before).
  virtual void download(void* host, const void* device, std::size_t bytes) = 0;

  // --- BLAS and LAPACK-style calls, with cuBLAS's arguments ---------------------------------
  /// C_i := alpha op(A_i) op(B_i) + beta C_i, X_i = X + i * stride_x (a stride of 0 shares X).
  virtual void gemm_strided(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* A, int lda,
                            long long stride_a, const double* B, int ldb, long long stride_b, double beta, double* C,
                            int ldc, long long stride_c, int batch) = 0;
  /// The same with arrays (device memory) of per-matrix pointers.
  virtual void gemm_batched(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* const* A, int lda,
                            const double* const* B, int ldb, double beta, double* const* C, int ldc, int batch) = 0;
  /// LU with partial pivoting in place (cublasDgetrfBatched): pivots n per matrix (1-based, as
  /// LAPACK), info per matrix (0, or the 1-based column of an exactly zero pivot).
  virtual void getrf_batched(int n, double* const* A, int lda, int* pivots, int* info, int batch) = 0;
  /// Solves op(A_i) X = B_i in place with getrf's factors (cublasDgetrsBatched).
  virtual void getrs_batched(Trans t, int n, int nrhs, const double* const* A, int lda, const int* pivots,
                             double* const* B, int ldb, int batch) = 0;

  // --- the batched operations of flashmm/detail ---------------------------------------------
#define FLASHMM_DECLARE_RUN(Op) virtual void run(const Op::Args& args) = 0;
  FLASHMM_BATCHED_OPERATIONS(FLASHMM_DECLARE_RUN)
#undef FLASHMM_DECLARE_RUN
};

/// Allocations of one driver on ops, freed together (when the object goes).
class DeviceArrays {
 public:
  explicit DeviceArrays(BatchedOps& ops) : ops_(ops) {}
  /// count values of T (at least one), uninitialized.
  template <class T>
  T* take(std::size_t count, const std::string& what) {
    keep_.push_back(ops_.allocate((count > 0 ? count : 1) * sizeof(T), what));
    return static_cast<T*>(keep_.back().get());
  }
  /// count values of T, copied from host.
  template <class T>
  T* upload(const T* host, std::size_t count, const std::string& what) {
    T* d = take<T>(count, what);
    ops_.upload(d, host, count * sizeof(T));
    return d;
  }

 private:
  BatchedOps& ops_;
  std::vector<std::shared_ptr<void>> keep_;
};

/// The CPU emulation. memory_bytes: what free_bytes() reports (small values make the drivers cut
/// the genes into several batches, as a device with little free memory would).
std::unique_ptr<BatchedOps> make_cpu_batched_ops(std::size_t memory_bytes);

}  // namespace flashmm::detail
