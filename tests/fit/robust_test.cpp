// The safeguarded optimizer (LmmOptions::robust, nonnegative) against FLASHMM's plain Fisher
// scoring on s1: it converges every gene, agrees with plain scoring bit for bit where that
// converges, and ends in the valid region where it does not.
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/satterthwaite.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "fit/general_objective.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>
#include <cstdio>
#include <random>

namespace flashmm {
namespace {

using testing::near_relative;

LmmFit fit_of(const std::string& random, Method method, bool robust, bool nonnegative = false, int threads = 0) {
  LmmOptions opt;
  opt.method = method;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.robust = robust;
  opt.nonnegative = nonnegative;
  opt.threads = threads;
  return fit_lmm(testing::s1_main_stats(random), opt);
}

struct Case {
  const char* random;
  Method method;
};

class RobustFit : public ::testing::TestWithParam<Case> {};

// Where plain scoring converges, robust keeps its result bit for bit. Where it fails (s1_reml_2re
// Gene6, Gene57; s1_ml_2re Gene6, Gene38, Gene57) plain scoring has left the valid region: its
// end point has V not positive definite (the batch variance cancels the rest), and FLASHMM's
// logLik there, computed with |det|, is the likelihood of no model. With unconstrained variance
// components the (restricted) likelihood of these genes has no maximum inside the valid region
// (it rises toward where V becomes singular, see LikelihoodClimbsTowardTheEdgeWherePlainScoringFails), so robust fits them with
// variance components >= 0, lme4's boundary estimate: every gene converges.
TEST_P(RobustFit, ConvergesEveryGeneAndAgreesWithPlainScoring) {
  const auto [random, method] = GetParam();
  const LmmFit plain = fit_of(random, method, false);
  const LmmFit robust = fit_of(random, method, true);
  const LmmFit nonnegative = fit_of(random, method, true, true);
  LmmOptions opt;
  opt.method = method;
  const detail::Prepared pre = detail::prepare(testing::s1_main_stats(random), opt);
  const detail::GeneralObjective objective(pre);
  int plain_failed = 0;
  for (Index g = 0; g < robust.n_genes(); ++g) {
    const std::string gene = robust.gene_names[static_cast<std::size_t>(g)];
    const auto status = robust.status[static_cast<std::size_t>(g)];
    EXPECT_TRUE(robust.converged(g)) << gene << " " << to_string(status);
    // Robust ends in the valid region, where its logLik is FLASHMM's formula at its estimate.
    const double loglik = objective.loglik(g, robust.theta.col(g));
    EXPECT_TRUE(std::isfinite(loglik)) << gene;
    EXPECT_TRUE(near_relative(robust.logLik(g), loglik, 1e-9)) << gene << " " << robust.logLik(g) << " " << loglik;
    if (!plain.converged(g)) {
      ++plain_failed;
      EXPECT_FALSE(std::isfinite(objective.loglik(g, plain.theta.col(g)))) << gene << ": plain ends in the valid region";
      EXPECT_EQ(status, GeneStatus::converged_nonnegative) << gene;
      EXPECT_EQ(robust.theta.col(g), nonnegative.theta.col(g)) << gene;
      EXPECT_EQ(robust.coef.col(g), nonnegative.coef.col(g)) << gene;
      EXPECT_TRUE((robust.theta.col(g).array() >= 0).all()) << gene;
      EXPECT_TRUE(robust.se.col(g).allFinite()) << gene;
      std::printf("[ figures  ] %s %s %s: plain %s (logLik %.6f at a V that is not positive definite), robust %s after "
                  "%d iterations at logLik %.6f, theta",
                  random, to_string(method), gene.c_str(), to_string(plain.status[static_cast<std::size_t>(g)]),
                  plain.logLik(g), to_string(status), robust.niter[static_cast<std::size_t>(g)], robust.logLik(g));
      for (Index i = 0; i < robust.theta.rows(); ++i) std::printf(" %.6g", robust.theta(i, g));
      std::printf("\n");
      continue;
    }
    EXPECT_EQ(status, GeneStatus::converged) << gene;
    EXPECT_EQ(robust.theta.col(g), plain.theta.col(g)) << gene;
    EXPECT_EQ(robust.coef.col(g), plain.coef.col(g)) << gene;
    EXPECT_EQ(robust.se.col(g), plain.se.col(g)) << gene;
    EXPECT_EQ(robust.logLik(g), plain.logLik(g)) << gene;
  }
  EXPECT_EQ(plain_failed, random == std::string("sam") ? 0 : method == Method::reml ? 2 : 3);
  std::printf("[ figures  ] %s %s: plain scoring failed on %d genes; robust converged all %lld\n", random,
              to_string(method), plain_failed, static_cast<long long>(robust.n_genes()));
}

// Why the fallback: on the genes of the two-component models where plain scoring fails, the
// unconstrained (restricted) likelihood keeps rising toward the edge of the valid region. Along
// the segment from robust's constrained estimate to plain scoring's end point, the last valid
// point, next to where V becomes singular, lies above the constrained maximum.
TEST(RobustFitTwoComponents, LikelihoodClimbsTowardTheEdgeWherePlainScoringFails) {
  for (Method method : {Method::reml, Method::ml}) {
    const char* random = "sam+batch";
    const LmmFit plain = fit_of(random, method, false);
    const LmmFit robust = fit_of(random, method, true);
    LmmOptions opt;
    opt.method = method;
    const detail::Prepared pre = detail::prepare(testing::s1_main_stats(random), opt);
    const detail::GeneralObjective objective(pre);
    for (Index g = 0; g < robust.n_genes(); ++g) {
      if (plain.converged(g)) continue;
      const Eigen::VectorXd from = robust.theta.col(g), to = plain.theta.col(g);
      // Bisect for the edge: the last valid point on the segment.
      double lo = 0, hi = 1;
      for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (std::isfinite(objective.loglik(g, from + mid * (to - from))) ? lo : hi) = mid;
      }
      const double at_edge = objective.loglik(g, from + lo * (to - from));
      EXPECT_GT(at_edge, robust.logLik(g)) << to_string(method) << " " << robust.gene_names[static_cast<std::size_t>(g)];
    }
  }
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

// One random component, both paths: a gene whose sample means are all equal (each sample's noise
// centred) has Z'Py = 0, so its restricted likelihood rises without bound toward where V becomes
// singular (s1 -> -s0 / 50): plain scoring cannot converge, robust falls back to s1 >= 0 and
// finds s1 = 0. A gene with a real sample effect is left to plain scoring.
TEST(RobustFitOptions, OneComponentGeneWithoutMaximumFallsBackOnBothPaths) {
  const Index n = 400, samples = 8;
  RowMatrixXd X(n, 1);
  SparseRowMatrix Z(n, samples);
  std::vector<Eigen::Triplet<double, std::int64_t>> z;
  Eigen::MatrixXd y(n, 2);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::vector<double> effect(samples), mean(samples, 0.0);
  for (auto& e : effect) e = normal(rng);
  for (Index i = 0; i < n; ++i) {
    X(i, 0) = 1;
    z.emplace_back(i, i % samples, 1.0);
    y(i, 0) = normal(rng);
    y(i, 1) = effect[static_cast<std::size_t>(i % samples)] + normal(rng);
    mean[static_cast<std::size_t>(i % samples)] += y(i, 0) / static_cast<double>(n / samples);
  }
  for (Index i = 0; i < n; ++i) y(i, 0) += 5.0 - mean[static_cast<std::size_t>(i % samples)];
  Z.setFromTriplets(z.begin(), z.end());
  const SummaryStats stats = compute_summary_stats(X, Z, y, Transform::none);
  for (FitPath path : {FitPath::spectral, FitPath::general}) {
    SCOPED_TRACE(path == FitPath::spectral ? "spectral" : "general");
    LmmOptions opt;
    opt.max_iter = 100;
    opt.epsilon = 1e-8;
    opt.path = path;
    const LmmFit plain = fit_lmm(stats, opt);
    opt.robust = true;
    const LmmFit robust = fit_lmm(stats, opt);
    EXPECT_FALSE(plain.converged(0)) << to_string(plain.status[0]) << " theta " << plain.theta.col(0).transpose();
    EXPECT_EQ(robust.status[0], GeneStatus::converged_nonnegative) << robust.theta.col(0).transpose();
    EXPECT_EQ(robust.theta(0, 0), 0.0);
    // At s1 = 0 the fit is ordinary least squares: s0 is the residual variance of the centred
    // gene around its mean, 5.
    const double rss = (y.col(0).array() - y.col(0).mean()).square().sum();
    EXPECT_TRUE(near_relative(robust.theta(1, 0), rss / static_cast<double>(n - 1), 1e-9)) << robust.theta(1, 0);
    EXPECT_TRUE(near_relative(robust.coef(0, 0), 5.0, 1e-12)) << robust.coef(0, 0);
    ASSERT_EQ(plain.status[1], GeneStatus::converged);
    EXPECT_EQ(robust.status[1], GeneStatus::converged);
    EXPECT_EQ(robust.theta.col(1), plain.theta.col(1));
    ASSERT_EQ(robust.warnings.size(), 1u);
    EXPECT_NE(robust.warnings[0].find("converged_nonnegative"), std::string::npos) << robust.warnings[0];
    // The fallback starts from theta0 projected onto s1 >= 0.
    opt.theta0 = {-0.005, 1.0};
    const LmmFit from_negative = fit_lmm(stats, opt);
    EXPECT_EQ(from_negative.status[0], GeneStatus::converged_nonnegative);
    EXPECT_EQ(from_negative.theta(0, 0), 0.0);
    EXPECT_TRUE(near_relative(from_negative.theta(1, 0), robust.theta(1, 0), 1e-9));
  }
}

TEST(RobustFitOptions, IdenticalForAnyThreadCountAndSatterthwaiteOnEveryConvergedGene) {
  LmmOptions opt;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.nonnegative = true;
  opt.df = DfMethod::satterthwaite;
  opt.threads = 1;
  const LmmFit one = fit_lmm(testing::s1_main_stats("sam+batch"), opt);
  opt.threads = 3;
  const LmmFit many = fit_lmm(testing::s1_main_stats("sam+batch"), opt);
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
  testing::expect_error<InputError>([&] { fit_lmm(testing::s1_main_stats("sam"), opt); }, {"nonnegative"});
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
