// BLUP, Fisher information, lme4 agreement, the fast path, threads and options of the fit.
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::near_relative;

LmmFit fit_s1(Method method, FitPath path = FitPath::automatic, int threads = 0, const std::string& random = "sam",
              double epsilon = 1e-8) {
  const SummaryStats& stats = testing::s1_main_stats(random);
  LmmOptions opt;
  opt.method = method;
  opt.max_iter = 100;
  opt.epsilon = epsilon;
  opt.path = path;
  opt.threads = threads;
  return fit_lmm(stats, opt);
}

void expect_long(const std::string& file, const Eigen::MatrixXd& flat, const LmmFit& fit, Index dim, double tol) {
  const auto ref = testing::read_long_matrices(testing::data_path(file));
  ASSERT_FALSE(ref.by_gene.empty()) << file;
  for (std::size_t g = 0; g < fit.gene_names.size(); ++g) {
    const Eigen::MatrixXd& r = ref.by_gene.at(fit.gene_names[g]);
    ASSERT_EQ(r.rows(), dim) << file;
    const Eigen::Map<const Eigen::MatrixXd> ours(flat.col(static_cast<Index>(g)).data(), dim, dim);
    for (Index i = 0; i < dim; ++i)
      for (Index j = 0; j < dim; ++j)
        EXPECT_TRUE(near_relative(ours(i, j), r(i, j), tol) || std::abs(ours(i, j) - r(i, j)) < 1e-12)
            << file << " " << fit.gene_names[g] << " (" << i << "," << j << ") " << ours(i, j) << " vs " << r(i, j);
  }
}

TEST(FitOutputs, FisherInformationMatchesFlashmm) {
  for (auto [method, prefix] : {std::pair{Method::reml, "s1_reml"}, std::pair{Method::ml, "s1_ml"}}) {
    const LmmFit fit = fit_s1(method);
    const auto names = testing::read_long_matrices(testing::data_path(std::string(prefix) + "_FIMtheta.csv")).names;
    EXPECT_EQ(names, (std::vector<std::string>{"var1", "var0"}));
    expect_long(std::string(prefix) + "_FIMtheta.csv", fit.fim_theta, fit, 2, 1e-8);
    expect_long(std::string(prefix) + "_FIMbeta.csv", fit.fim_beta, fit, fit.n_fixed(), 1e-8);
  }
}

TEST(FitOutputs, BlupMatchesFlashmm) {
  for (auto [method, file] : {std::pair{Method::reml, "s1_reml_RE.csv"}, std::pair{Method::ml, "s1_ml_RE.csv"}}) {
    const LmmFit fit = fit_s1(method);
    const auto ref = testing::read_named_matrix(testing::data_path(file));
    ASSERT_EQ(ref.row_names, fit.random_names);
    for (Index g = 0; g < fit.n_genes(); ++g)
      for (Index a = 0; a < fit.blup.rows(); ++a)
        EXPECT_TRUE(near_relative(fit.blup(a, g), ref.values(a, g), 1e-8))
            << file << " gene " << g << " " << fit.random_names[static_cast<std::size_t>(a)] << ": " << fit.blup(a, g)
            << " vs " << ref.values(a, g);
  }
}

TEST(FitOutputs, AgreesWithLme4) {
  const LmmFit fit = fit_s1(Method::reml);
  const auto theta = testing::read_named_matrix(testing::data_path("s1_lmer_theta.csv"));
  const auto coef = testing::read_named_matrix(testing::data_path("s1_lmer_coef.csv"));
  const auto se = testing::read_named_matrix(testing::data_path("s1_lmer_se.csv"));
  ASSERT_EQ(coef.row_names, fit.fixed_names);
  for (Index g = 0; g < fit.n_genes(); ++g) {
    ASSERT_TRUE(fit.converged(g));
    for (Index i = 0; i < 2; ++i)
      EXPECT_TRUE(near_relative(fit.theta(i, g), theta.values(i, g), 1e-5))
          << "theta " << i << " gene " << g << ": " << fit.theta(i, g) << " vs lme4 " << theta.values(i, g);
    for (Index j = 0; j < fit.n_fixed(); ++j) {
      EXPECT_TRUE(near_relative(fit.coef(j, g), coef.values(j, g), 1e-5) || std::abs(fit.coef(j, g) - coef.values(j, g)) < 1e-9)
          << "coef " << fit.fixed_names[static_cast<std::size_t>(j)] << " gene " << g;
      EXPECT_TRUE(near_relative(fit.se(j, g), se.values(j, g), 1e-5))
          << "se " << fit.fixed_names[static_cast<std::size_t>(j)] << " gene " << g;
    }
  }
}

TEST(FitOutputs, SpectralPathEqualsGeneralPathOnEveryGene) {
  for (Method method : {Method::reml, Method::ml})
    for (double eps : {1e-8, 1e-5}) {
      SCOPED_TRACE(std::string(to_string(method)) + " epsilon " + std::to_string(eps));
      testing::expect_fits_near(fit_s1(method, FitPath::spectral, 0, "sam", eps),
                                fit_s1(method, FitPath::general, 0, "sam", eps), 1e-9, 1e-14,
                                /*with_dlogL=*/false);
    }
}

// LmmOptions::fim_beta = false (the CLI without --fim-beta) keeps no Fisher information of beta
// and changes nothing else, bit for bit, on every path.
TEST(FitOutputs, WithoutFimBetaTheOtherOutputsAreTheSame) {
  for (auto [path, random] : {std::pair{FitPath::automatic, "sam"}, std::pair{FitPath::general, "sam+batch"},
                              std::pair{FitPath::structured, "sam+batch"}}) {
    const SummaryStats& stats = testing::s1_main_stats(random);
    LmmOptions opt;
    opt.path = path;
    opt.df = DfMethod::satterthwaite;
    const LmmFit with = fit_lmm(stats, opt);
    opt.fim_beta = false;
    const LmmFit without = fit_lmm(stats, opt);
    EXPECT_EQ(with.fim_beta.rows(), with.n_fixed() * with.n_fixed());
    EXPECT_EQ(without.fim_beta.size(), 0) << random;
    for (auto member : {&LmmFit::coef, &LmmFit::se, &LmmFit::t, &LmmFit::cov, &LmmFit::theta, &LmmFit::fim_theta,
                        &LmmFit::blup})
      EXPECT_TRUE((with.*member).cwiseEqual(without.*member).all()) << random;
    for (Index g = 0; g < with.n_genes(); ++g) {
      if (!with.converged(g)) continue;
      EXPECT_EQ(with.df.col(g), without.df.col(g)) << random << " gene " << g;
      EXPECT_EQ(with.p.col(g), without.p.col(g)) << random << " gene " << g;
      EXPECT_EQ(with.logLik(g), without.logLik(g)) << random << " gene " << g;
    }
    EXPECT_EQ(with.status, without.status);
  }
}

TEST(FitOutputs, ResultsAreIdenticalForAnyThreadCount) {
  for (auto [path, random] : {std::pair{FitPath::automatic, "sam"}, std::pair{FitPath::general, "sam+batch"},
                              std::pair{FitPath::structured, "sam+batch"}}) {
    const LmmFit one = fit_s1(Method::reml, path, 1, random);
    const LmmFit many = fit_s1(Method::reml, path, 3, random);
    EXPECT_EQ(one.coef, many.coef);
    EXPECT_EQ(one.cov, many.cov);
    EXPECT_EQ(one.theta, many.theta);
    EXPECT_EQ(one.blup, many.blup);
    EXPECT_EQ(one.niter, many.niter);
    // NaN != NaN, so compare logLik by bits through the status and values of converged genes.
    for (Index g = 0; g < one.n_genes(); ++g)
      if (one.converged(g)) EXPECT_EQ(one.logLik(g), many.logLik(g));
  }
}

TEST(FitOutputs, Theta0StartsTheIterationThere) {
  const LmmFit ref = fit_s1(Method::reml);
  const SummaryStats stats = testing::s1_stats(testing::s1_design("main", "sam"));
  LmmOptions opt;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.theta0 = {ref.theta(0, 0), ref.theta(1, 0)};
  const LmmFit fit = fit_lmm(stats, opt);
  EXPECT_LE(fit.niter[0], 2);  // already at the optimum
  EXPECT_TRUE(near_relative(fit.coef(0, 0), ref.coef(0, 0), 1e-9));
  EXPECT_TRUE(near_relative(fit.theta(0, 0), ref.theta(0, 0), 1e-9));
  // Another gene started far from its optimum still converges to its own estimate.
  EXPECT_TRUE(fit.converged(5));
  EXPECT_TRUE(near_relative(fit.theta(0, 5), ref.theta(0, 5), 1e-6));
}

TEST(FitOutputs, MaxIterStopsAndFlags) {
  const SummaryStats& stats = testing::s1_main_stats("sam");
  LmmOptions opt;
  opt.max_iter = 1;
  opt.epsilon = 1e-12;
  const LmmFit fit = fit_lmm(stats, opt);
  for (Index g = 0; g < fit.n_genes(); ++g) {
    EXPECT_EQ(fit.niter[static_cast<std::size_t>(g)], 1);
    EXPECT_EQ(fit.status[static_cast<std::size_t>(g)], GeneStatus::max_iter);
  }
  ASSERT_EQ(fit.warnings.size(), 1u);
  EXPECT_NE(fit.warnings[0].find("60 gene(s) did not converge"), std::string::npos) << fit.warnings[0];
}

TEST(FitOutputs, AllZeroGeneIsNaAndCounted) {
  SummaryStats stats = testing::s1_main_stats("sam");
  // Gene 3 with no expression at all: its statistics are exactly zero.
  stats.XY.col(2).setZero();
  stats.ZY.col(2).setZero();
  stats.Ynorm(2) = 0;
  const LmmFit fit = fit_lmm(stats, {});
  EXPECT_EQ(fit.status[2], GeneStatus::all_zero);
  EXPECT_FALSE(fit.converged(2));
  EXPECT_TRUE(fit.coef.col(2).array().isNaN().all());
  EXPECT_TRUE(fit.theta.col(2).array().isNaN().all());
  EXPECT_TRUE(std::isnan(fit.logLik(2)));
  EXPECT_TRUE(fit.converged(1));
  EXPECT_TRUE(fit.converged(3));
  ASSERT_FALSE(fit.warnings.empty());
  EXPECT_NE(fit.warnings[0].find("1 gene(s) have no nonzero value"), std::string::npos) << fit.warnings[0];
}

TEST(FitErrors, RankDeficientXNamesTheColumns) {
  auto design = testing::s1_design("main", "sam");
  // Add an intercept to a model that already holds every level of cls: (Intercept) = cls1+..+cls4.
  RowMatrixXd X(design.X.rows(), design.X.cols() + 1);
  X << Eigen::VectorXd::Ones(design.X.rows()), design.X;
  design.X = X;
  design.fixed_names.insert(design.fixed_names.begin(), "(Intercept)");
  const SummaryStats stats = testing::s1_stats(design);
  testing::expect_error<InputError>([&] { fit_lmm(stats, {}); }, {"not of full column rank", "'(Intercept)'", "'cls1'",
                                                                    "'cls2'", "'cls3'", "'cls4'"});
  const std::string msg = testing::message_of<InputError>([&] { fit_lmm(stats, {}); });
  EXPECT_EQ(msg.find("'log(libsize)'"), std::string::npos) << msg;
}

TEST(FitErrors, DimensionsAndOptions) {
  const SummaryStats& good = testing::s1_main_stats("sam");
  auto expect_error = [](const SummaryStats& s, const LmmOptions& o, const std::string& needle) {
    testing::expect_error<InputError>([&] { fit_lmm(s, o); }, {needle});
  };
  SummaryStats small = good;
  small.n = 9;  // p = 9
  expect_error(small, {}, "p must be smaller than n");
  small.n = 12;  // q = 12 > n - ... : q must be smaller than n
  expect_error(small, {}, "q must be smaller than n");
  SummaryStats nan = good;
  nan.ZY(0, 0) = NAN;
  expect_error(nan, {}, "ZY holds NaN or Inf");
  SummaryStats bad_d = good;
  bad_d.d = {5};
  expect_error(bad_d, {}, "add up to 5");
  SummaryStats bad_shape = good;
  bad_shape.XY.conservativeResize(8, Eigen::NoChange);
  expect_error(bad_shape, {}, "XY is 8 x 60");
  LmmOptions theta0;
  theta0.theta0 = {0.1};
  expect_error(good, theta0, "theta0 needs 2 values");
  LmmOptions iter;
  iter.max_iter = 0;
  expect_error(good, iter, "max_iter");
  LmmOptions eps;
  eps.epsilon = -1;
  expect_error(good, eps, "epsilon");
  LmmOptions spectral;
  spectral.path = FitPath::spectral;
  expect_error(testing::s1_main_stats("sam+batch"), spectral, "exactly one random component");
}

}  // namespace
}  // namespace flashmm
