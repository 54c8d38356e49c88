// CUDA backend resources: errors, buffers, workspace carving, streams and library handles.
#include "common/resources.hpp"

#include <flashmm/error.hpp>

#include <cstdio>
#include <utility>

namespace flashmm::cuda {

std::string status_text(cudaError_t status) {
  return std::string(cudaGetErrorName(status)) + " (" + cudaGetErrorString(status) + ")";
}

std::string status_text(cublasStatus_t status) {
  return std::string(cublasGetStatusName(status)) + " (" + cublasGetStatusString(status) + ")";
}

std::string status_text(cusparseStatus_t status) {
  return std::string(cusparseGetErrorName(status)) + " (" + cusparseGetErrorString(status) + ")";
}

std::string status_text(cusolverStatus_t status) {
  switch (status) {
    case CUSOLVER_STATUS_SUCCESS: return "CUSOLVER_STATUS_SUCCESS";
    case CUSOLVER_STATUS_NOT_INITIALIZED: return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED: return "CUSOLVER_STATUS_ALLOC_FAILED (out of GPU memory)";
    case CUSOLVER_STATUS_INVALID_VALUE: return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH: return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_EXECUTION_FAILED: return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR: return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED: return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED: return "CUSOLVER_STATUS_NOT_SUPPORTED";
    case CUSOLVER_STATUS_INVALID_WORKSPACE: return "CUSOLVER_STATUS_INVALID_WORKSPACE";
    default: return "cusolverStatus_t " + std::to_string(static_cast<int>(status));
  }
}

void throw_call_failed(const std::string& status, const char* call) {
  throw DeviceError(std::string("CUDA call ") + call + " failed: " + status);
}

namespace {
std::string mib(std::size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}
}  // namespace

std::string out_of_memory_message(const char* kind, std::size_t bytes, const std::string& what) {
  std::string msg = std::string("out of ") + kind + " memory: " + what + " needs " + std::to_string(bytes) +
                    " bytes (" + mib(bytes) + ")";
  std::size_t free_bytes = 0, total_bytes = 0;
  if (std::string(kind) == "GPU" && cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
    msg += "; " + mib(free_bytes) + " of " + mib(total_bytes) + " are free on the device";
  else
    (void)cudaGetLastError();
  return msg + "; use smaller chunks of cells, or the CPU (--device cpu)";
}

DeviceBuffer::DeviceBuffer(std::size_t bytes, const std::string& what) {
  if (bytes == 0) return;
  const cudaError_t status = cudaMalloc(&ptr_, bytes);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // not sticky: clear it
    ptr_ = nullptr;
    throw DeviceError(out_of_memory_message("GPU", bytes, what));
  }
  check(status, "cudaMalloc");
  bytes_ = bytes;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) (void)cudaFree(ptr_);  // no throwing from a destructor; a failure here is moot
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) (void)cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes, const std::string& what) {
  if (bytes == 0) return;
  const cudaError_t status = cudaMallocHost(&ptr_, bytes);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    ptr_ = nullptr;
    throw DeviceError(out_of_memory_message("pinned host", bytes, what));
  }
  check(status, "cudaMallocHost");
  bytes_ = bytes;
}

PinnedBuffer::~PinnedBuffer() {
  if (ptr_) (void)cudaFreeHost(ptr_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) (void)cudaFreeHost(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void* Carver::take_bytes(std::size_t bytes) {
  constexpr std::size_t kAlign = 256;
  const std::size_t offset = (used_ + kAlign - 1) / kAlign * kAlign;
  used_ = offset + bytes;
  if (!base_) return nullptr;
  if (used_ > capacity_)
    throw NumericalError("internal error: workspace of " + std::to_string(capacity_) + " bytes is too small (" +
                         std::to_string(used_) + " needed)");
  return base_ + offset;
}

Resources::Resources(int device, int streams) : device_(device) {
  if (streams < 1) throw NumericalError("internal error: Resources needs at least one stream");
  FLASHMM_CUDA(cudaSetDevice(device_));
  FLASHMM_CUDA(cudaGetDeviceProperties(&properties_, device_));
  streams_.reserve(static_cast<std::size_t>(streams));
  try {
    for (int i = 0; i < streams; ++i) {
      cudaStream_t s = nullptr;
      FLASHMM_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
      streams_.push_back(s);
    }
  } catch (...) {
    for (cudaStream_t s : streams_) (void)cudaStreamDestroy(s);
    throw;
  }
}

Resources::~Resources() {
  (void)cudaSetDevice(device_);
  for (cudaStream_t s : streams_) (void)cudaStreamSynchronize(s);
  if (cublas_) (void)cublasDestroy(cublas_);
  if (cusparse_) (void)cusparseDestroy(cusparse_);
  if (cusolver_) (void)cusolverDnDestroy(cusolver_);
  for (cudaStream_t s : streams_) (void)cudaStreamDestroy(s);
}

cudaStream_t Resources::stream(int i) const {
  if (i < 0 || i >= stream_count())
    throw NumericalError("internal error: stream " + std::to_string(i) + " of " + std::to_string(stream_count()));
  return streams_[static_cast<std::size_t>(i)];
}

void Resources::activate() const { FLASHMM_CUDA(cudaSetDevice(device_)); }

cublasHandle_t Resources::cublas() {
  if (!cublas_) {
    activate();
    FLASHMM_CUDA(cublasCreate(&cublas_));
    FLASHMM_CUDA(cublasSetStream(cublas_, stream(0)));
    FLASHMM_CUDA(cublasSetPointerMode(cublas_, CUBLAS_POINTER_MODE_HOST));
  }
  return cublas_;
}

cusparseHandle_t Resources::cusparse() {
  if (!cusparse_) {
    activate();
    FLASHMM_CUDA(cusparseCreate(&cusparse_));
    FLASHMM_CUDA(cusparseSetStream(cusparse_, stream(0)));
  }
  return cusparse_;
}

cusolverDnHandle_t Resources::cusolver() {
  if (!cusolver_) {
    activate();
    FLASHMM_CUDA(cusolverDnCreate(&cusolver_));
    FLASHMM_CUDA(cusolverDnSetStream(cusolver_, stream(0)));
  }
  return cusolver_;
}

void Resources::synchronize() const {
  activate();
  for (cudaStream_t s : streams_) FLASHMM_CUDA(cudaStreamSynchronize(s));
}

}  // namespace flashmm::cuda
