// The GPU fit against the CPU fit gene by gene on s1 (REML and ML), every option through the
// same pipeline, and CPU scoring for two components with a note. Skipped without a usable device.
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
    for (int variant = 0; variant < 3; ++variant) {
      LmmOptions opt;
      opt.method = method;
      opt.robust = variant == 1;
      opt.nonnegative = variant == 2;
      opt.df = variant == 1 ? DfMethod::satterthwaite : DfMethod::residual;
      const LmmFit cpu = fit_lmm(stats, opt);
      opt.device = Device::gpu;
      const LmmFit gpu = fit_lmm(stats, opt);
      expect_fits_near(gpu, cpu, 1e-10);
      EXPECT_EQ(gpu.warnings, cpu.warnings);
      EXPECT_TRUE(gpu.notes.empty());
    }
  }
}

TEST(GpuFit, SameBitsRunToRun) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats& stats = testing::s1_main_stats("sam");
  LmmOptions opt;
  opt.device = Device::gpu;
  const LmmFit a = fit_lmm(stats, opt);
  const LmmFit b = fit_lmm(stats, opt);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.coef, b.coef);
}

TEST(GpuFit, TwoComponentsAreScoredOnTheCpuWithANote) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  const LmmFit cpu = fit_lmm(stats);
  LmmOptions opt;
  opt.device = Device::gpu;
  const LmmFit gpu = fit_lmm(stats, opt);
  EXPECT_EQ(gpu.coef, cpu.coef);
  ASSERT_EQ(gpu.notes.size(), 1u);
  EXPECT_NE(gpu.notes[0].find("ran on the CPU"), std::string::npos) << gpu.notes[0];
}

}  // namespace
}  // namespace flashmm
