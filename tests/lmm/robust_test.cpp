// The safeguarded optimizer (LmmOptions::robust, nonnegative) against FLASHMM's plain Fisher
// scoring on s1: it converges every gene, agrees where plain scoring converges and never ends
// at a lower likelihood.
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/satterthwaite.hpp>

#include <gtest/gtest.h>

#include "lmm/general_objective.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>
#include <cstdio>

namespace flashmm {
namespace {

using testing::near_relative;

const SummaryStats& stats_of(const std::string& random) {
  static const SummaryStats one = testing::s1_stats(testing::s1_design("main", "sam"));
  static const SummaryStats two = testing::s1_stats(testing::s1_design("main", "sam+batch"));
  return random == "sam" ? one : two;
}

LmmFit fit_of(const std::string& random, Method method, bool robust, bool nonnegative = false, int threads = 0) {
  LmmOptions opt;
  opt.method = method;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.robust = robust;
  opt.nonnegative = nonnegative;
  opt.threads = threads;
  return fit_lmm(stats_of(random), opt);
}

struct Case {
  const char* random;
  Method method;
};

class RobustFit : public ::testing::TestWithParam<Case> {};

// Where plain scoring converges, robust keeps its result bit for bit. Where it fails (s1_reml_2re
// Gene6, Gene57; s1_ml_2re Gene6, Gene38, Gene57) plain scoring has left the valid region: its
// end point has V not positive definite (the batch variance cancels the rest), and FLASHMM's
// logLik there, computed with |det|, is no likelihood. Along the way the (restricted)
// likelihood rises monotonically up to the edge where V becomes singular, so no maximum exists
// with unconstrained variance components: robust climbs toward the edge and flags the gene
// (boundary, or max_iter) instead of converging (see Nonnegative for lme4's boundary estimate).
TEST_P(RobustFit, AgreesWithPlainScoringAndFlagsTheRest) {
  const auto [random, method] = GetParam();
  const LmmFit plain = fit_of(random, method, false);
  const LmmFit robust = fit_of(random, method, true);
  LmmOptions opt;
  opt.method = method;
  const detail::Prepared pre = detail::prepare(stats_of(random), opt);
  const detail::GeneralObjective objective(pre);
  int plain_failed = 0;
  for (Index g = 0; g < robust.n_genes(); ++g) {
    const std::string gene = robust.gene_names[static_cast<std::size_t>(g)];
    const auto status = robust.status[static_cast<std::size_t>(g)];
    if (!plain.converged(g)) {
      ++plain_failed;
      EXPECT_FALSE(std::isfinite(objective.loglik(g, plain.theta.col(g)))) << gene << ": plain ends in the valid region";
      // Flagged, never reported as a good fit: boundary, or max_iter where it crawled toward the edge
      // without a full step crossing it (s1_ml_2re Gene6).
      EXPECT_TRUE(status == GeneStatus::boundary || status == GeneStatus::max_iter) << gene << " " << to_string(status);
      std::printf("[ figures  ] %s %s %s: plain %s, robust %s after %d iterations at logLik %.6f, theta", random,
                  to_string(method), gene.c_str(), to_string(plain.status[static_cast<std::size_t>(g)]),
                  to_string(status), robust.niter[static_cast<std::size_t>(g)], robust.logLik(g));
      for (Index i = 0; i < robust.theta.rows(); ++i) std::printf(" %.6g", robust.theta(i, g));
      std::printf("\n");
      continue;
    }
    EXPECT_EQ(status, GeneStatus::converged) << gene;
    EXPECT_EQ(robust.theta.col(g), plain.theta.col(g)) << gene;
    EXPECT_EQ(robust.coef.col(g), plain.coef.col(g)) << gene;
    EXPECT_EQ(robust.logLik(g), plain.logLik(g)) << gene;
  }
  std::printf("[ figures  ] %s %s: plain scoring failed on %d genes\n", random, to_string(method), plain_failed);
}

// With variance components >= 0 every gene converges (a component held at 0 whose score points
// below 0 counts as converged), on one and two components.
TEST_P(RobustFit, NonnegativeConvergesEveryGene) {
  const auto [random, method] = GetParam();
  const LmmFit plain = fit_of(random, method, false);
  const LmmFit fit = fit_of(random, method, true, true);
  int at_zero = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) {
    const std::string gene = fit.gene_names[static_cast<std::size_t>(g)];
    EXPECT_TRUE(fit.converged(g)) << gene << " " << to_string(fit.status[static_cast<std::size_t>(g)]) << " theta "
                                  << fit.theta.col(g).transpose() << " dlogL " << fit.dlogL.col(g).transpose();
    EXPECT_TRUE((fit.theta.col(g).array() >= 0).all()) << gene;
    for (Index i = 0; i + 1 < fit.theta.rows(); ++i) at_zero += fit.theta(i, g) == 0;
    // Where FLASHMM's estimate is already nonnegative it is the answer.
    if (plain.converged(g) && (plain.theta.col(g).array() >= 0).all()) {
      EXPECT_EQ(fit.theta.col(g), plain.theta.col(g)) << gene;
      EXPECT_EQ(fit.logLik(g), plain.logLik(g)) << gene;
    }
  }
  EXPECT_TRUE(fit.warnings.empty());
  std::printf("[ figures  ] %s %s nonnegative: all %lld genes converged, %d variance components at 0\n", random,
              to_string(method), static_cast<long long>(fit.n_genes()), at_zero);
}

TEST(RobustFitOptions, IdenticalForAnyThreadCountAndSatterthwaiteOnEveryConvergedGene) {
  LmmOptions opt;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.nonnegative = true;
  opt.df = DfMethod::satterthwaite;
  opt.threads = 1;
  const LmmFit one = fit_lmm(stats_of("sam+batch"), opt);
  opt.threads = 3;
  const LmmFit many = fit_lmm(stats_of("sam+batch"), opt);
  EXPECT_EQ(one.theta, many.theta);
  EXPECT_EQ(one.coef, many.coef);
  EXPECT_EQ(one.niter, many.niter);
  EXPECT_EQ(one.df, many.df);
  EXPECT_TRUE(one.df.allFinite());
}

TEST(RobustFitOptions, NegativeTheta0WithNonnegativeIsAnError) {
  LmmOptions opt;
  opt.nonnegative = true;
  opt.theta0 = {-0.1, 1.0};
  try {
    fit_lmm(stats_of("sam"), opt);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nonnegative"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(S1, RobustFit,
                         ::testing::Values(Case{"sam", Method::reml}, Case{"sam", Method::ml},
                                           Case{"sam+batch", Method::reml}, Case{"sam+batch", Method::ml}),
                         [](const auto& info) {
                           return std::string(info.param.random[3] == '+' ? "two" : "one") + "_" +
                                  to_string(info.param.method);
                         });

}  // namespace
}  // namespace flashmm
