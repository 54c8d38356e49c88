// The batched general path (host/fit/batched_general.cpp) that the GPU runs, with its per-gene
// device functions (flashmm/detail/general_score.hpp, batched_cholesky.hpp), run on the CPU
// emulation of the device (host/fit/cpu_batched_ops.cpp): gene by gene it equals the CPU general
// path (GeneralPath::score_plain, LU) to 1e-10 relative, non-converging genes flagged alike, with
// the genes in one batch or in several.
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "fit/batched_general.hpp"
#include "fit/fit_context.hpp"
#include "fit/pipeline.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"
#include "support/two_components.hpp"

#include <cmath>

namespace flashmm {
namespace {

LmmFit fit_emulated(const SummaryStats& stats, const LmmOptions& opt, std::size_t memory) {
  auto ctx = std::make_shared<const detail::FitContext>(std::make_shared<const SummaryStats>(stats), opt);
  const auto scorer = detail::make_emulated_device_scorer(memory);
  return detail::run_fit(std::move(ctx), opt, *scorer);
}

// The pipeline on the emulated device against the CPU's, printing how many genes did not converge.
void expect_same_fit(const LmmFit& device, const LmmFit& cpu, double tol) {
  testing::expect_device_fit_near(device, cpu, tol);
  Index unconverged = 0;
  for (Index g = 0; g < cpu.n_genes(); ++g) unconverged += !cpu.converged(g);
  std::printf("%lld of %lld genes did not converge\n", static_cast<long long>(unconverged),
              static_cast<long long>(cpu.n_genes()));
}

constexpr std::size_t kPlenty = std::size_t{4} << 30;

// Against the CPU's dense general path, the arithmetic the batched driver mirrors: the CPU's
// default for k > 1, the structured path, equals it to 1e-10 on the converged genes only
// (tests/fit/structured_path_test.cpp); s1's non-converging genes part at rounding level.
TEST(BatchedGeneral, EqualsCpuOnS1TwoComponents) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  for (Method method : {Method::reml, Method::ml}) {
    SCOPED_TRACE(to_string(method));
    LmmOptions opt;
    opt.method = method;
    opt.path = FitPath::general;
    const LmmFit cpu = fit_lmm(stats, opt);
    const LmmFit device = fit_emulated(stats, opt, kPlenty);
    expect_same_fit(device, cpu, 1e-10);
    EXPECT_EQ(device.warnings, cpu.warnings);
  }
}

// robust, nonnegative and Satterthwaite df on two components: the device scores, the host pass
// refits the genes where plain scoring failed, the device runs the fixed-effects step, the host
// the df; as the CPU's pipeline.
TEST(BatchedGeneral, EveryOptionOnTwoComponents) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant);
    LmmOptions opt;
    opt.robust = variant == 0;
    opt.nonnegative = variant == 1;
    opt.df = variant == 0 ? DfMethod::satterthwaite : DfMethod::residual;
    const LmmFit cpu = fit_lmm(stats, opt);
    const LmmFit device = fit_emulated(stats, opt, kPlenty);
    expect_same_fit(device, cpu, 1e-10);
    EXPECT_EQ(device.df_method, opt.df);
  }
}

TEST(BatchedGeneral, BatchesOfFewGenesGiveTheSameFit) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  LmmOptions opt;
  opt.max_iter = 4;  // genes leave the iterations at different rounds
  const LmmFit one = fit_emulated(stats, opt, kPlenty);
  // Room for the shared arrays and a few genes at a time (q = 17: 8.6 kB each), not for all 60.
  const LmmFit several = fit_emulated(stats, opt, std::size_t{100} << 10);
  // Equal to rounding, not bit for bit: with -march=native (FLASHMM_NATIVE) Eigen's products
  // take other instruction paths for the last columns of a batch, as cuBLAS's kernel choice does
  // on the device (kernels/README.md); a gene in the wrong slot would differ in every digit.
  testing::expect_matrix_near(one.theta, several.theta, 1e-12, "theta");
  EXPECT_EQ(one.niter, several.niter);
  opt.path = FitPath::general;
  expect_same_fit(one, fit_lmm(stats, opt), 1e-10);
}

// From a start with a negative batch variance every gene starts on the LU route and most move
// to the Cholesky route as they iterate. The few genes that do not converge from there (the
// likelihood has no maximum where they go) wander on a path that rounding alone redirects, to
// max_iter on one side and a non-finite value on the other: they are left out.
TEST(BatchedGeneral, NegativeStartTakesTheLuRoute) {
  const SummaryStats& stats = testing::s1_main_stats("sam+batch");
  for (Method method : {Method::reml, Method::ml}) {
    SCOPED_TRACE(to_string(method));
    LmmOptions opt;
    opt.method = method;
    opt.theta0 = {0.05, -0.001, 0.7};
    const LmmFit all = fit_lmm(stats, opt);
    opt.skip_genes.assign(static_cast<std::size_t>(stats.genes()), 0);
    Index left_out = 0;
    for (Index g = 0; g < stats.genes(); ++g)
      if (!all.converged(g)) {
        opt.skip_genes[static_cast<std::size_t>(g)] = 1;
        ++left_out;
      }
    EXPECT_LE(left_out, 3);
    expect_same_fit(fit_emulated(stats, opt, kPlenty), fit_lmm(stats, opt), 1e-10);
  }
}

// A gene whose squared residual variance underflows stops non-finite and is flagged as on the CPU; the genes of
// its batch go on as without it.
TEST(BatchedGeneral, NonFiniteGeneIsFlaggedAndTheBatchGoesOn) {
  SummaryStats stats = testing::s1_main_stats("sam+batch");
  const LmmFit clean = fit_emulated(stats, {}, kPlenty);
  stats.XY.col(3) *= 1e-150;
  stats.ZY.col(3) *= 1e-150;
  stats.Ynorm(3) *= 1e-300;
  const LmmFit cpu = fit_lmm(stats);
  const LmmFit device = fit_emulated(stats, {}, kPlenty);
  EXPECT_EQ(cpu.status[3], GeneStatus::non_finite);
  EXPECT_EQ(device.status[3], cpu.status[3]);
  EXPECT_EQ(device.niter[3], cpu.niter[3]);
  for (Index g = 0; g < stats.genes(); ++g) {
    if (g == 3) continue;
    // To rounding: the batch's later iterations have one gene fewer (see BatchesOfFewGenes...).
    testing::expect_matrix_near(device.theta.col(g), clean.theta.col(g), 1e-12, "theta");
    EXPECT_EQ(device.status[static_cast<std::size_t>(g)], clean.status[static_cast<std::size_t>(g)]) << g;
  }
}

// Simulated two-component data at q = 25, 259 and 1000 (the last with few genes: each
// evaluation is O(q^3) on both sides).
struct Simulated {
  Index cells;
  int q1, q2;
  Index genes;
};

class BatchedGeneralSimulated : public ::testing::TestWithParam<Simulated> {};

TEST_P(BatchedGeneralSimulated, EqualsCpu) {
  const Simulated c = GetParam();
  const SummaryStats stats = testing::two_component_stats(c.cells, c.q1, c.q2, c.genes, 7);
  for (Method method : {Method::reml, Method::ml}) {
    SCOPED_TRACE(to_string(method));
    LmmOptions opt;
    opt.method = method;
    expect_same_fit(fit_emulated(stats, opt, kPlenty), fit_lmm(stats, opt), 1e-10);
  }
}

INSTANTIATE_TEST_SUITE_P(TwoComponents, BatchedGeneralSimulated,
                         ::testing::Values(Simulated{2000, 20, 5, 24}, Simulated{6000, 250, 9, 4},
                                           Simulated{9000, 990, 10, 1}),
                         [](const ::testing::TestParamInfo<Simulated>& info) {
                           return "q" + std::to_string(info.param.q1 + info.param.q2);
                         });

}  // namespace
}  // namespace flashmm
