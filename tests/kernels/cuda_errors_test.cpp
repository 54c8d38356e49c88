// The CUDA backend's error translation, buffers and workspace carving. These run without a
// device: on such a machine every CUDA call fails, and the failure must become a DeviceError
// that names the call and the status.
#if defined(FLASHMM_WITH_CUDA)
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include <gtest/gtest.h>

#include "common/resources.hpp"
#include "support/expect.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace flashmm {
namespace {

using testing::message_of;

TEST(CudaErrors, MessagesNameTheCallAndTheStatus) {
  const std::string m = message_of<DeviceError>([] { FLASHMM_CUDA(cudaErrorInvalidValue); });
  EXPECT_NE(m.find("CUDA call cudaErrorInvalidValue failed"), std::string::npos) << m;
  EXPECT_NE(m.find("cudaErrorInvalidValue ("), std::string::npos) << m;
  EXPECT_NE(message_of<DeviceError>([] { FLASHMM_CUDA(CUBLAS_STATUS_NOT_INITIALIZED); }).find("CUBLAS_STATUS_NOT_INITIALIZED"),
            std::string::npos);
  EXPECT_NE(message_of<DeviceError>([] { FLASHMM_CUDA(CUSPARSE_STATUS_INVALID_VALUE); }).find("CUSPARSE_STATUS_INVALID_VALUE"),
            std::string::npos);
  EXPECT_NE(message_of<DeviceError>([] { FLASHMM_CUDA(CUSOLVER_STATUS_ALLOC_FAILED); }).find("CUSOLVER_STATUS_ALLOC_FAILED"),
            std::string::npos);
  EXPECT_EQ(message_of<DeviceError>([] { FLASHMM_CUDA(cudaSuccess); }), "");
  EXPECT_EQ(message_of<DeviceError>([] { FLASHMM_CUDA(CUBLAS_STATUS_SUCCESS); }), "");
}

TEST(CudaErrors, OutOfMemorySaysHowMuch) {
  const std::string m = cuda::out_of_memory_message("GPU", 3u << 30, "a chunk of 10 cells");
  EXPECT_NE(m.find("a chunk of 10 cells needs 3221225472 bytes (3072.0 MiB)"), std::string::npos) << m;
  EXPECT_NE(m.find("smaller chunks"), std::string::npos) << m;
}

TEST(CudaErrors, CarverCountsThenCarvesAligned) {
  cuda::Carver counter;
  EXPECT_EQ(counter.take<double>(3), nullptr);
  counter.take<int>(5);
  EXPECT_EQ(counter.used(), 256u + 20u);
  std::vector<unsigned char> storage(counter.used() + 256);
  auto* base = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(storage.data()) + 255) / 256 * 256);
  cuda::Carver carver(base, counter.used());
  EXPECT_EQ(static_cast<void*>(carver.take<double>(3)), static_cast<void*>(base));
  EXPECT_EQ(static_cast<void*>(carver.take<int>(5)), static_cast<void*>(base + 256));
  EXPECT_THROW(carver.take<int>(1), NumericalError);
}

TEST(CudaErrors, WithoutADeviceAllocationsFailWithTheCall) {
  if (gpu_available()) GTEST_SKIP() << "a CUDA device is usable here";
  const std::string m = message_of<DeviceError>([] { cuda::DeviceBuffer buffer(1024, "a test buffer"); });
  EXPECT_NE(m.find("cudaMalloc"), std::string::npos) << m;
  const std::string r = message_of<DeviceError>([] { cuda::Resources res(0, 2); });
  EXPECT_NE(r.find("CUDA call cudaSetDevice"), std::string::npos) << r;
}

}  // namespace
}  // namespace flashmm
#endif
