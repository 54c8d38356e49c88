// The backend choice on any machine: gpu_available() with its reason, use_gpu(), the automatic
// dispatch falling back to the CPU, and the batched spectral fit's host side run with the CPU
// emulation of the GPU scorer (the same per-gene function, the same w layout as the kernel).
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "fit/batched_spectral.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::expect_error;
using testing::expect_fits_near;

const SummaryStats& s1_sam() { return testing::s1_main_stats("sam"); }

TEST(Backend, DeviceNames) {
  EXPECT_EQ(parse_device("auto"), Device::automatic);
  EXPECT_EQ(parse_device("cpu"), Device::cpu);
  EXPECT_EQ(parse_device("gpu"), Device::gpu);
  EXPECT_STREQ(to_string(Device::automatic), "auto");
  EXPECT_STREQ(to_string(Device::gpu), "gpu");
  expect_error<InputError>([] { parse_device("tpu"); }, {"auto, cpu or gpu"});
}

TEST(Backend, GpuAvailabilityGivesAReason) {
  std::string why;
  const bool ok = gpu_available(&why);
  std::string again;
  EXPECT_EQ(gpu_available(&again), ok);  // probed once, the same answer
  EXPECT_FALSE(use_gpu(Device::cpu));
  if (ok) GTEST_SKIP() << "a CUDA device is usable here; the no-device behaviour is not testable";
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(why, again);
  std::printf("gpu_available() = false: %s\n", why.c_str());
  EXPECT_FALSE(use_gpu(Device::automatic));
  expect_error<DeviceError>([] { use_gpu(Device::gpu); }, {why});
}

TEST(Backend, GpuEntryPointsThrowWithoutDevice) {
  std::string why;
  if (gpu_available(&why)) GTEST_SKIP() << "a CUDA device is usable here";
  EXPECT_THROW(fit_lmm_gpu(s1_sam()), DeviceError);
  EXPECT_THROW(GpuSummaryStatsAccumulator(SummaryStats::zeros(2, 3, 4), Transform::log2p1), DeviceError);
  LmmOptions opt;
  opt.device = Device::gpu;
  EXPECT_THROW(fit_lmm(s1_sam(), opt), DeviceError);
}

TEST(Backend, AutomaticFallsBackToTheCpu) {
  for (Method method : {Method::reml, Method::ml}) {
    LmmOptions cpu;
    cpu.method = method;
    LmmOptions automatic = cpu;
    automatic.device = Device::automatic;
    const LmmFit a = fit_lmm(s1_sam(), cpu);
    const LmmFit b = fit_lmm(s1_sam(), automatic);
    if (gpu_available()) {
      expect_fits_near(b, a, 1e-10);
    } else {  // the very same CPU computation
      EXPECT_EQ(a.coef, b.coef);
      EXPECT_EQ(a.se, b.se);
      EXPECT_EQ(a.theta, b.theta);
      EXPECT_EQ(a.logLik, b.logLik);
      EXPECT_EQ(a.niter, b.niter);
    }
  }
}

// The GPU fit's host side with the CPU emulation of its scorer: w' = zry' U stored genes x q
// and read with stride G, spectral_fit per gene. Equals the CPU fit gene by gene.
TEST(Backend, BatchedSpectralFitEqualsCpuFit) {
  for (Method method : {Method::reml, Method::ml}) {
    LmmOptions opt;
    opt.method = method;
    const LmmFit cpu = fit_lmm(s1_sam(), opt);
    const LmmFit batched = detail::fit_spectral_batched(
        s1_sam(), opt, [](const detail::SpectralBatchInput& in, detail::SpectralBatchResult& out) {
          detail::score_spectral_batch_cpu(in, out, 0);
        });
    expect_fits_near(batched, cpu, 1e-10);
  }
}

TEST(Backend, BatchedSpectralFitHandlesAllZeroGenesAndStartValues) {
  SummaryStats stats = s1_sam();
  stats.XY.col(3).setZero();
  stats.ZY.col(3).setZero();
  stats.Ynorm(3) = 0;
  LmmOptions opt;
  opt.theta0 = {0.1, 0.5};
  opt.max_iter = 3;  // some genes stop at max_iter
  const LmmFit cpu = fit_lmm(stats, opt);
  const LmmFit batched = detail::fit_spectral_batched(
      stats, opt, [](const detail::SpectralBatchInput& in, detail::SpectralBatchResult& out) {
        detail::score_spectral_batch_cpu(in, out, 1);
      });
  EXPECT_EQ(batched.status[3], GeneStatus::all_zero);
  EXPECT_TRUE(std::isnan(batched.coef(0, 3)));
  expect_fits_near(batched, cpu, 1e-10);
}

TEST(Backend, BatchedSpectralFitNeedsOneComponent) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  EXPECT_THROW(detail::fit_spectral_batched(stats, {}, [](const auto&, auto&) {}), InputError);
}

}  // namespace
}  // namespace flashmm
