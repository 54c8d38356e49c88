// Models that cannot be estimated are refused, genes that cannot be fitted are flagged, and genes
// left out on purpose stay out: the pipeline's checks and statuses that no fixture covers.
#include <flashmm/cell_stream.hpp>
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/metadata_csv.hpp>

#include <gtest/gtest.h>

#include "fit/pipeline.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::expect_error;

SummaryStats s1_stats_of(const std::string& fixed, const std::vector<std::string>& random) {
  const auto& s1 = testing::s1();
  const DesignBuilder design(testing::s1_metadata(), fixed, random);
  CellStreamAccumulator acc(design, s1.genes, Transform::log2p1);
  const auto csr = testing::s1_csr<double>();
  acc.add(0, csr.view<CsrView<double>>(s1.counts.rows(), s1.counts.cols()));
  return acc.finish();
}

TEST(ModelChecks, OneLevelRandomEffectIsRefused) {
  expect_error<InputError>([] { fit_lmm(s1_stats_of("~ 0 + log(libsize) + cls + cls:trt", {"~ 1"})); },
                           {"single column", "at least two levels"});
}

TEST(ModelChecks, RandomTermsWithinTheFixedEffectsAreRefused) {
  // cls is a fixed term already: its random effect would be absorbed by it.
  expect_error<InputError>([] { fit_lmm(s1_stats_of("~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + cls"})); },
                           {"'cls'", "not identifiable", "span of the fixed-effects"});
  // The second component is the culprit, and named.
  expect_error<InputError>(
      [] { fit_lmm(s1_stats_of("~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + sam", "~ 0 + cls"})); },
      {"'cls'", "not identifiable"});
  // Samples nested in the treatment are fine: only some combinations of their columns lie in X.
  EXPECT_NO_THROW(fit_lmm(s1_stats_of("~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + sam"})));
}

// Genes left out by skip_genes: status filtered, every output NA, out of the FDR, and the other
// genes exactly as without the mask.
TEST(ModelChecks, SkippedGenesAreFilteredAndLeaveTheOthersAlone) {
  const SummaryStats& stats = testing::s1_main_stats("sam");
  const LmmFit all = fit_lmm(stats);
  LmmOptions opt;
  opt.skip_genes.assign(static_cast<std::size_t>(stats.genes()), 0);
  opt.skip_genes[2] = opt.skip_genes[40] = 1;
  const LmmFit some = fit_lmm(stats, opt);
  for (Index g = 0; g < stats.genes(); ++g) {
    if (g == 2 || g == 40) {
      EXPECT_EQ(some.status[static_cast<std::size_t>(g)], GeneStatus::filtered);
      EXPECT_FALSE(some.converged(g));
      EXPECT_TRUE(some.coef.col(g).array().isNaN().all());
      EXPECT_TRUE(std::isnan(some.logLik(g)));
      continue;
    }
    EXPECT_EQ(some.coef.col(g), all.coef.col(g));
    EXPECT_EQ(some.theta.col(g), all.theta.col(g));
  }
  const DeTable table = de_table(some, coefficient_contrasts(some.fixed_names));
  EXPECT_TRUE(std::isnan(table.tests[0].fdr(2)));
  ASSERT_EQ(some.notes.size(), 1u);
  EXPECT_NE(some.notes[0].find("2 gene(s) were left out"), std::string::npos) << some.notes[0];
  opt.skip_genes.pop_back();
  expect_error<InputError>([&] { fit_lmm(stats, opt); }, {"skip_genes has 59 entries", "60 genes"});
}

// A scorer whose estimate ends with s0 <= 0 and a zero score: the gene is flagged
// nonpositive_residual, never converged, whatever its score says.
class NegativeResidualScorer final : public detail::Scorer {
 public:
  void score(const detail::FitContext& ctx, const LmmOptions&, const detail::ScoringInput& in,
             const detail::ScoringArrays& out, detail::ProgressReport&) override {
    const Index G = ctx.prepared().genes;
    for (Index g = 0; g < G; ++g) {
      if (!in.active[g]) continue;
      out.theta[2 * g] = 0.1;
      out.theta[2 * g + 1] = g == 5 ? -0.2 : 0.5;
      out.dl[2 * g] = out.dl[2 * g + 1] = 0;
      for (int i = 0; i < 4; ++i) out.F[4 * g + i] = i == 0 || i == 3 ? 1.0 : 0.0;
      out.logdet[g] = -1;
      out.niter[g] = 3;
      out.finite[g] = 1;
    }
  }
};

TEST(ModelChecks, NonpositiveResidualVarianceIsFlagged) {
  const SummaryStats& stats = testing::s1_main_stats("sam");
  auto ctx = std::make_shared<const detail::FitContext>(std::make_shared<const SummaryStats>(stats), LmmOptions{});
  NegativeResidualScorer scorer;
  const LmmFit fit = detail::run_fit(ctx, {}, scorer);
  EXPECT_EQ(fit.status[5], GeneStatus::nonpositive_residual);
  EXPECT_FALSE(fit.converged(5));
  EXPECT_EQ(fit.status[4], GeneStatus::converged);
  bool warned = false;
  for (const auto& w : fit.warnings) warned |= w.find("residual variance estimate <= 0") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace flashmm
