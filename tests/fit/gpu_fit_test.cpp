// The GPU fit against the CPU fit gene by gene on s1 (REML and ML), the dispatch through
// LmmOptions::device, and the CPU fallback for two components. Skipped without a usable device.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "support/require_gpu.hpp"
#include "support/expect.hpp"
#include "support/s1.hpp"

namespace flashmm {
namespace {

using testing::expect_fits_near;

TEST(GpuFit, EqualsCpuFitOnS1) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats& stats = testing::s1_main_stats("sam");
  for (Method method : {Method::reml, Method::ml}) {
    SCOPED_TRACE(to_string(method));
    LmmOptions opt;
    opt.method = method;
    const LmmFit cpu = fit_lmm(stats, opt);
    const LmmFit gpu = fit_lmm_gpu(stats, opt);
    expect_fits_near(gpu, cpu, 1e-10);
    EXPECT_EQ(gpu.warnings, cpu.warnings);
    opt.device = Device::gpu;  // the dispatch gives the same
    const LmmFit dispatched = fit_lmm(stats, opt);
    EXPECT_EQ(dispatched.coef, gpu.coef);
    EXPECT_EQ(dispatched.theta, gpu.theta);
  }
}

TEST(GpuFit, SameBitsRunToRun) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats& stats = testing::s1_main_stats("sam");
  const LmmFit a = fit_lmm_gpu(stats);
  const LmmFit b = fit_lmm_gpu(stats);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.coef, b.coef);
}

TEST(GpuFit, TwoComponentsFallBackToTheCpuWithANote) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  const LmmFit cpu = fit_lmm(stats);
  const LmmFit gpu = fit_lmm_gpu(stats);
  EXPECT_EQ(gpu.coef, cpu.coef);
  ASSERT_FALSE(gpu.warnings.empty());
  EXPECT_NE(gpu.warnings.back().find("fitted on the CPU"), std::string::npos) << gpu.warnings.back();
}

}  // namespace
}  // namespace flashmm
