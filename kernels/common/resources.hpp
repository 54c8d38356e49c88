#pragma once
// Internal to the CUDA backend: error translation, device and pinned buffers, a workspace carver
// and the resources object (device, streams, library handles created on first use), after
// RAFT's resources handle. Compiles with g++ (CUDA runtime and library C headers only) and nvcc.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <cusparse.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::cuda {

// --- Errors ------------------------------------------------------------------------------
// Every CUDA and library status that is not success becomes a flashmm::DeviceError whose
// message names the call and the status, e.g.
//   "CUDA call cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s) failed: cudaErrorInvalidValue
//    (invalid argument)"

std::string status_text(cudaError_t status);
std::string status_text(cublasStatus_t status);
std::string status_text(cusparseStatus_t status);
std::string status_text(cusolverStatus_t status);

[[noreturn]] void throw_call_failed(const std::string& status, const char* call);

inline void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) throw_call_failed(status_text(status), call);
}
inline void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_call_failed(status_text(status), call);
}
inline void check(cusparseStatus_t status, const char* call) {
  if (status != CUSPARSE_STATUS_SUCCESS) throw_call_failed(status_text(status), call);
}
inline void check(cusolverStatus_t status, const char* call) {
  if (status != CUSOLVER_STATUS_SUCCESS) throw_call_failed(status_text(status), call);
}

/// Checks a CUDA runtime or library call: FLASHMM_CUDA(cudaMalloc(&p, n)).
#define FLASHMM_CUDA(call) ::flashmm::cuda::check((call), #call)
/// After a kernel launch: picks up launch-configuration errors (cudaGetLastError).
#define FLASHMM_CUDA_LAUNCHED(kernel_name) ::flashmm::cuda::check(cudaGetLastError(), "launch of " kernel_name)

/// The message of an out-of-memory failure: what was asked for, how much, and how much is free.
std::string out_of_memory_message(const char* kind, std::size_t bytes, const std::string& what);

// --- Buffers -----------------------------------------------------------------------------

/// Device memory from cudaMalloc (never managed memory), freed on destruction. Asking for more
/// than the device has throws DeviceError "out of GPU memory: <what> needs N bytes ...".
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(std::size_t bytes, const std::string& what);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

/// Page-locked host memory from cudaMallocHost (needed for truly asynchronous copies).
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(std::size_t bytes, const std::string& what);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void* data() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

/// Carves typed arrays out of one buffer, each aligned to 256 bytes (cuML's workspace habit).
/// With a null base it only counts: run the same sequence of take() calls once without a base
/// to learn the size, allocate it, then again with the base.
class Carver {
 public:
  explicit Carver(void* base = nullptr, std::size_t capacity = 0) : base_(static_cast<char*>(base)), capacity_(capacity) {}
  template <class T>
  T* take(std::size_t count) {
    return static_cast<T*>(take_bytes(count * sizeof(T)));
  }
  void* take_bytes(std::size_t bytes);
  std::size_t used() const { return used_; }

 private:
  char* base_;
  std::size_t capacity_;
  std::size_t used_ = 0;
};

// --- Resources ---------------------------------------------------------------------------

/// One device, its streams, and the cuBLAS / cuSPARSE / cuSOLVER handles, created on first
/// use (bound to stream(0); set another stream with the library's *SetStream before use). Not
/// thread-safe: one resources object per host thread.
class Resources {
 public:
  explicit Resources(int device = 0, int streams = 2);
  ~Resources();
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;

  int device() const { return device_; }
  const cudaDeviceProp& properties() const { return properties_; }
  int stream_count() const { return static_cast<int>(streams_.size()); }
  cudaStream_t stream(int i) const;

  /// Makes this object's device the calling thread's current device.
  void activate() const;
  cublasHandle_t cublas();
  cusparseHandle_t cusparse();
  cusolverDnHandle_t cusolver();
  /// Waits for every stream.
  void synchronize() const;

 private:
  int device_ = 0;
  cudaDeviceProp properties_{};
  std::vector<cudaStream_t> streams_;
  cublasHandle_t cublas_ = nullptr;
  cusparseHandle_t cusparse_ = nullptr;
  cusolverDnHandle_t cusolver_ = nullptr;
};

}  // namespace flashmm::cuda
