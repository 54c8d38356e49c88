// The backend choice on any machine: gpu_available() with its reason, use_gpu(), the automatic
// dispatch falling back to the CPU (with a note, never printed), and the fit pipeline run with
// the CPU scorer in the GPU's layout (the same per-gene function, w stored genes x q and read
// with stride G as the kernel does): the pipeline a GPU fit runs, every option included.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "fit/batched_general.hpp"
#include "fit/fit_context.hpp"
#include "fit/pipeline.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::expect_error;
using testing::expect_device_fit_near;
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
  std::string note;
  EXPECT_FALSE(use_gpu(Device::automatic, &note));
  EXPECT_EQ(note, "using the CPU: " + why);
  expect_error<DeviceError>([] { use_gpu(Device::gpu); }, {why});
}

TEST(Backend, GpuEntryPointsThrowWithoutDevice) {
  std::string why;
  if (gpu_available(&why)) GTEST_SKIP() << "a CUDA device is usable here";
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
    EXPECT_TRUE(a.notes.empty());
    if (gpu_available()) {
      expect_fits_near(b, a, 1e-10);
    } else {  // the very same CPU computation, and the reason as a note
      std::string why;
      gpu_available(&why);
      EXPECT_EQ(b.notes, std::vector<std::string>{"using the CPU: " + why});
      EXPECT_EQ(a.coef, b.coef);
      EXPECT_EQ(a.se, b.se);
      EXPECT_EQ(a.theta, b.theta);
      EXPECT_EQ(a.logLik, b.logLik);
      EXPECT_EQ(a.niter, b.niter);
    }
  }
}

// The pipeline of a GPU fit on the CPU emulation of the device (host/fit/batched_general.hpp):
// the device's drivers, layouts and per-gene functions, the spectral scoring included.
LmmFit fit_through_gpu_layout(const SummaryStats& stats, const LmmOptions& opt) {
  auto ctx = std::make_shared<const detail::FitContext>(std::make_shared<const SummaryStats>(stats), opt);
  const auto scorer = detail::make_emulated_device_scorer(std::size_t{1} << 30);
  return detail::run_fit(std::move(ctx), opt, *scorer);
}

TEST(Backend, GpuLayoutPipelineEqualsCpuFit) {
  for (Method method : {Method::reml, Method::ml}) {
    LmmOptions opt;
    opt.method = method;
    const LmmFit cpu = fit_lmm(s1_sam(), opt);
    expect_device_fit_near(fit_through_gpu_layout(s1_sam(), opt), cpu, 1e-10);
  }
}

TEST(Backend, GpuLayoutPipelineHandlesAllZeroGenesAndStartValues) {
  SummaryStats stats = s1_sam();
  stats.XY.col(3).setZero();
  stats.ZY.col(3).setZero();
  stats.Ynorm(3) = 0;
  LmmOptions opt;
  opt.theta0 = {0.1, 0.5};
  opt.max_iter = 3;  // some genes stop at max_iter
  const LmmFit cpu = fit_lmm(stats, opt);
  const LmmFit batched = fit_through_gpu_layout(stats, opt);
  EXPECT_EQ(batched.status[3], GeneStatus::all_zero);
  EXPECT_TRUE(std::isnan(batched.coef(0, 3)));
  expect_device_fit_near(batched, cpu, 1e-10);
}

// Every option goes through the same host pass whichever scorer ran: under nonnegative no gene
// whose plain estimate has a negative component is labelled converged, and the fit equals the
// CPU's; the same for robust and Satterthwaite df.
TEST(Backend, GpuLayoutPipelineHonoursEveryOption) {
  // s1 with the between-sample spread of the first 20 genes' residuals shrunk tenfold
  // (zry -> zry / 10), so that their sample variance estimates come out negative.
  SummaryStats stats = s1_sam();
  for (Index g = 0; g < 20; ++g) {
    const Eigen::VectorXd fitted = stats.ZX * stats.XX.ldlt().solve(stats.XY.col(g));
    stats.ZY.col(g) = fitted + 0.1 * (stats.ZY.col(g) - fitted);
  }
  const LmmFit unconstrained = fit_lmm(stats);
  Index negative = 0;
  for (Index g = 0; g < 20; ++g) negative += unconstrained.converged(g) && unconstrained.theta(0, g) < 0;
  ASSERT_GT(negative, 5);

  LmmOptions nonneg;
  nonneg.nonnegative = true;
  const LmmFit a = fit_through_gpu_layout(stats, nonneg);
  for (Index g = 0; g < a.n_genes(); ++g) {
    ASSERT_TRUE(a.converged(g)) << g;
    EXPECT_GE(a.theta(0, g), 0.0) << g;
  }
  expect_device_fit_near(a, fit_lmm(stats, nonneg), 1e-10);

  LmmOptions options;
  options.robust = true;
  options.df = DfMethod::satterthwaite;
  const LmmFit b = fit_through_gpu_layout(stats, options);
  EXPECT_EQ(b.df_method, DfMethod::satterthwaite);
  expect_device_fit_near(b, fit_lmm(stats, options), 1e-10);
}

TEST(Backend, SpectralPathNeedsOneComponent) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  LmmOptions opt;
  opt.path = FitPath::spectral;
  expect_error<InputError>([&] { fit_lmm(stats, opt); }, {"exactly one random component"});
}

}  // namespace
}  // namespace flashmm
