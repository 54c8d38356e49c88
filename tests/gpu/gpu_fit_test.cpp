// The GPU fit against the CPU fit gene by gene on s1 (REML and ML), the dispatch through
// LmmOptions::device, and the CPU fallback for two components. Skipped without a usable device.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "gpu/require_gpu.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

namespace flashmm {
namespace {

using testing::near_relative;


void expect_fit_near(const LmmFit& gpu, const LmmFit& cpu, double tol) {
  ASSERT_EQ(gpu.n_genes(), cpu.n_genes());
  for (Index g = 0; g < gpu.n_genes(); ++g) {
    const auto gs = static_cast<std::size_t>(g);
    EXPECT_EQ(gpu.niter[gs], cpu.niter[gs]) << cpu.gene_names[gs];
    EXPECT_EQ(gpu.status[gs], cpu.status[gs]) << cpu.gene_names[gs];
    auto close = [&](const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, const char* what) {
      for (Index i = 0; i < x.rows(); ++i)
        EXPECT_TRUE(near_relative(x(i, g), y(i, g), tol))
            << what << "(" << i << ") of " << cpu.gene_names[gs] << ": " << x(i, g) << " vs " << y(i, g);
    };
    close(gpu.coef, cpu.coef, "coef");
    close(gpu.se, cpu.se, "se");
    close(gpu.theta, cpu.theta, "theta");
    close(gpu.se_theta, cpu.se_theta, "se_theta");
    close(gpu.blup, cpu.blup, "blup");
    EXPECT_TRUE(near_relative(gpu.logLik(g), cpu.logLik(g), tol)) << "logLik of " << cpu.gene_names[gs];
  }
}

TEST(GpuFit, EqualsCpuFitOnS1) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats stats = testing::s1_stats(testing::s1_design("main", "sam"));
  for (Method method : {Method::reml, Method::ml}) {
    SCOPED_TRACE(to_string(method));
    LmmOptions opt;
    opt.method = method;
    const LmmFit cpu = fit_lmm(stats, opt);
    const LmmFit gpu = fit_lmm_gpu(stats, opt);
    expect_fit_near(gpu, cpu, 1e-10);
    EXPECT_EQ(gpu.warnings, cpu.warnings);
    opt.device = Device::gpu;  // the dispatch gives the same
    const LmmFit dispatched = fit_lmm(stats, opt);
    EXPECT_EQ(dispatched.coef, gpu.coef);
    EXPECT_EQ(dispatched.theta, gpu.theta);
  }
}

TEST(GpuFit, SameBitsRunToRun) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats stats = testing::s1_stats(testing::s1_design("main", "sam"));
  const LmmFit a = fit_lmm_gpu(stats);
  const LmmFit b = fit_lmm_gpu(stats);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.coef, b.coef);
}

TEST(GpuFit, TwoComponentsFallBackToTheCpuWithANote) {
  FLASHMM_REQUIRE_GPU();
  const SummaryStats stats = testing::s1_stats(testing::s1_design("main", "sam+batch"));
  const LmmFit cpu = fit_lmm(stats);
  const LmmFit gpu = fit_lmm_gpu(stats);
  EXPECT_EQ(gpu.coef, cpu.coef);
  ASSERT_FALSE(gpu.warnings.empty());
  EXPECT_NE(gpu.warnings.back().find("fitted on the CPU"), std::string::npos) << gpu.warnings.back();
}

}  // namespace
}  // namespace flashmm
