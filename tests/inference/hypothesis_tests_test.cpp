// Hypothesis tests against FLASHMM's lmmtest on the s1 REML fit (built from the fixture, so
// these tests do not depend on fit_lmm), p-value tails, and p.adjust.
#include <flashmm/contrast.hpp>
#include <flashmm/error.hpp>
#include <flashmm/hypothesis_tests.hpp>
#include <flashmm/lmm.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "support/fixture.hpp"
#include "support/s1.hpp"

namespace flashmm {
namespace {

using testing::near_relative;

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

/// FLASHMM's s1 REML fit as far as the tests need it: coef, cov, df = n - p = 3991, theta.
LmmFit s1_fit() {
  const auto coef = testing::read_named_matrix(testing::data_path("s1_reml_coef.csv"));
  const auto cov = testing::read_long_matrices(testing::data_path("s1_reml_cov.csv"));
  const auto theta = testing::read_named_matrix(testing::data_path("s1_reml_theta.csv"));
  const auto se_theta = testing::read_named_matrix(testing::data_path("s1_reml_se_theta.csv"));
  const auto gene = testing::read_csv(testing::data_path("s1_reml_gene.csv"));
  EXPECT_EQ(cov.names, coef.row_names);
  LmmFit fit;
  fit.n = 4000;
  fit.fixed_names = coef.row_names;
  fit.gene_names = coef.col_names;
  fit.component_names = {"sam"};
  fit.d = {12};
  fit.coef = coef.values;
  const Eigen::Index p = coef.values.rows();
  const Eigen::Index genes = coef.values.cols();
  fit.cov.resize(p * p, genes);
  for (Eigen::Index g = 0; g < genes; ++g) {
    const Eigen::MatrixXd& c = cov.by_gene.at(coef.col_names[static_cast<std::size_t>(g)]);
    fit.cov.col(g) = c.reshaped();
  }
  const int df_col = gene.column("df");
  fit.df.resize(p, genes);
  for (Eigen::Index g = 0; g < genes; ++g) {
    const auto& row = gene.rows[static_cast<std::size_t>(g)];
    EXPECT_EQ(row[0], coef.col_names[static_cast<std::size_t>(g)]);
    fit.df.col(g).setConstant(std::stod(row[static_cast<std::size_t>(df_col)]));
  }
  fit.theta = theta.values;
  fit.se_theta = se_theta.values;
  fit.status.assign(static_cast<std::size_t>(genes), GeneStatus::converged);
  return fit;
}

std::vector<std::string> s1_contrast_specs() { return testing::read_lines(testing::data_path("s1_contrast_exprs.txt")); }

/// Compares tests with an lmmtest fixture (gene, NAME_coef..., NAME_t..., NAME_p...).
void expect_matches_lmmtest(const ContrastTests& tests, const std::string& fixture) {
  const auto table = testing::read_csv(testing::data_path(fixture));
  ASSERT_EQ(static_cast<Eigen::Index>(table.rows.size()), tests.estimate.cols());
  for (std::size_t j = 0; j < tests.names.size(); ++j) {
    const auto row = static_cast<Eigen::Index>(j);
    const int coef_col = table.column(tests.names[j] + "_coef");
    const int t_col = table.column(tests.names[j] + "_t");
    const int p_col = table.column(tests.names[j] + "_p");
    for (std::size_t g = 0; g < table.rows.size(); ++g) {
      const auto col = static_cast<Eigen::Index>(g);
      const auto& r = table.rows[g];
      const double coef = std::stod(r[static_cast<std::size_t>(coef_col)]);
      const double t = std::stod(r[static_cast<std::size_t>(t_col)]);
      const double p = std::stod(r[static_cast<std::size_t>(p_col)]);
      EXPECT_TRUE(near_relative(tests.estimate(row, col), coef, 1e-8))
          << fixture << " " << tests.names[j] << " " << r[0] << ": " << tests.estimate(row, col) << " vs " << coef;
      EXPECT_TRUE(near_relative(tests.t(row, col), t, 1e-8))
          << fixture << " " << tests.names[j] << " " << r[0] << ": " << tests.t(row, col) << " vs " << t;
      EXPECT_TRUE(near_relative(tests.p(row, col), p, 1e-8))
          << fixture << " " << tests.names[j] << " " << r[0] << ": " << tests.p(row, col) << " vs " << p;
      EXPECT_EQ(tests.df(row, col), 3991.0);
    }
  }
}

TEST(ContrastTests, MatchesLmmtestForEachAlternative) {
  const LmmFit fit = s1_fit();
  const auto contrasts = parse_contrasts(s1_contrast_specs(), fit.fixed_names);
  for (auto [alternative, file] : {std::pair{Alternative::two_sided, "s1_reml_lmmtest_two.sided.csv"},
                                   std::pair{Alternative::less, "s1_reml_lmmtest_less.csv"},
                                   std::pair{Alternative::greater, "s1_reml_lmmtest_greater.csv"}}) {
    const ContrastTests tests = test_contrasts(fit, contrasts, alternative);
    EXPECT_EQ(tests.alternative, alternative);
    ASSERT_EQ(tests.estimate.rows(), 4);
    ASSERT_EQ(tests.estimate.cols(), 60);
    expect_matches_lmmtest(tests, file);
    // se is what t divides by.
    EXPECT_TRUE(tests.t.isApprox(tests.estimate.cwiseQuotient(tests.se), 1e-14));
  }
}

TEST(ContrastTests, MatchesLmmtestIndex135) {
  const LmmFit fit = s1_fit();
  const std::vector<Index> index = {0, 2, 4};  // lmmtest(fit, index = c(1, 3, 5))
  const ContrastTests tests = test_contrasts(fit, coefficient_contrasts(index, fit.fixed_names));
  expect_matches_lmmtest(tests, "s1_reml_lmmtest_index135.csv");
}

TEST(ContrastTests, SingleCoefficientsReproduceTheFitsTAndP) {
  const LmmFit fit = s1_fit();
  const auto t = testing::read_named_matrix(testing::data_path("s1_reml_t.csv"));
  const auto p = testing::read_named_matrix(testing::data_path("s1_reml_p.csv"));
  const ContrastTests tests = test_contrasts(fit, coefficient_contrasts(fit.fixed_names));
  for (Eigen::Index i = 0; i < t.values.rows(); ++i)
    for (Eigen::Index g = 0; g < t.values.cols(); ++g) {
      EXPECT_TRUE(near_relative(tests.t(i, g), t.values(i, g), 1e-8)) << i << " " << g;
      EXPECT_TRUE(near_relative(tests.p(i, g), p.values(i, g), 1e-8)) << i << " " << g;
    }
}

TEST(PValues, FitPValuesFromT) {
  const auto t = testing::read_named_matrix(testing::data_path("s1_reml_t.csv"));
  const auto p = testing::read_named_matrix(testing::data_path("s1_reml_p.csv"));
  double smallest = 1;
  for (Eigen::Index i = 0; i < t.values.rows(); ++i)
    for (Eigen::Index g = 0; g < t.values.cols(); ++g) {
      const double expected = p.values(i, g);
      smallest = std::min(smallest, expected);
      EXPECT_TRUE(near_relative(t_test_p(t.values(i, g), 3991, Alternative::two_sided), expected, 1e-8))
          << t.row_names[static_cast<std::size_t>(i)] << " " << t.col_names[static_cast<std::size_t>(g)];
    }
  EXPECT_LT(smallest, 1e-25);  // the fixture reaches into the far tail
}

TEST(PValues, FarTailsKeepRelativeAccuracy) {
  // Closed forms: df = 1 (Cauchy) P(T > t) = atan(1/t)/pi; df = 2 P(T > t) = 1/(s (s + t)),
  // s = sqrt(t^2 + 2); normal P(Z > z) = erfc(z/sqrt 2)/2.
  for (double t : {1.0, 10.0, 1e5, 1e50, 1e150, 1e151, 1e200, 1e299}) {
    const double cauchy = std::atan(1 / t) / std::numbers::pi;
    EXPECT_TRUE(near_relative(t_test_p(t, 1, Alternative::greater), cauchy, 1e-12)) << t;
    EXPECT_TRUE(near_relative(t_test_p(-t, 1, Alternative::less), cauchy, 1e-12)) << t;
    EXPECT_TRUE(near_relative(t_test_p(t, 1, Alternative::two_sided), 2 * cauchy, 1e-12)) << t;
  }
  for (double t : {0.5, 3.0, 1e10, 1e100, 1e150, 1e151}) {
    const double s = std::sqrt(t * t + 2);
    EXPECT_TRUE(near_relative(t_test_p(t, 2, Alternative::greater), 1 / (s * (s + t)), 1e-12)) << t;
  }
  for (double z : {0.5, 5.0, 20.0, 37.0}) {
    const double expected = std::erfc(z / std::numbers::sqrt2) / 2;
    EXPECT_TRUE(near_relative(z_test_p(z, Alternative::greater), expected, 1e-12)) << z;
    EXPECT_TRUE(near_relative(t_test_p(z, std::numeric_limits<double>::infinity(), Alternative::greater), expected,
                              1e-12))
        << z;
  }
  EXPECT_GT(z_test_p(37.0, Alternative::greater), 0);
  EXPECT_LT(z_test_p(37.0, Alternative::greater), 1e-299);
}

TEST(PValues, AlternativesAndEdges) {
  const double t = 1.7, df = 12;
  EXPECT_DOUBLE_EQ(t_test_p(t, df, Alternative::less) + t_test_p(t, df, Alternative::greater), 1.0);
  EXPECT_DOUBLE_EQ(t_test_p(t, df, Alternative::two_sided), 2 * t_test_p(t, df, Alternative::greater));
  EXPECT_DOUBLE_EQ(t_test_p(-t, df, Alternative::two_sided), t_test_p(t, df, Alternative::two_sided));
  EXPECT_EQ(t_test_p(0, df, Alternative::two_sided), 1.0);
  EXPECT_TRUE(std::isnan(t_test_p(nan_value, df, Alternative::two_sided)));
  EXPECT_TRUE(std::isnan(t_test_p(t, nan_value, Alternative::two_sided)));
  EXPECT_TRUE(std::isnan(t_test_p(t, 0, Alternative::two_sided)));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(t_test_p(inf, df, Alternative::two_sided), 0.0);
  EXPECT_EQ(t_test_p(inf, df, Alternative::greater), 0.0);
  EXPECT_EQ(t_test_p(inf, df, Alternative::less), 1.0);
  EXPECT_EQ(t_test_p(-inf, df, Alternative::less), 0.0);
  EXPECT_EQ(z_test_p(-inf, Alternative::greater), 1.0);
}

TEST(PValues, AlternativeNames) {
  EXPECT_EQ(parse_alternative("two.sided"), Alternative::two_sided);
  EXPECT_EQ(parse_alternative("two-sided"), Alternative::two_sided);
  EXPECT_EQ(parse_alternative("less"), Alternative::less);
  EXPECT_EQ(parse_alternative("greater"), Alternative::greater);
  EXPECT_STREQ(to_string(Alternative::two_sided), "two.sided");
  EXPECT_THROW(parse_alternative("bigger"), InputError);
}

TEST(ContrastTests, NaNGenesPropagate) {
  LmmFit fit = s1_fit();
  fit.coef.col(3).setConstant(nan_value);
  fit.cov.col(3).setConstant(nan_value);
  fit.status[3] = GeneStatus::all_zero;
  const auto contrasts = parse_contrasts(s1_contrast_specs(), fit.fixed_names);
  const ContrastTests tests = test_contrasts(fit, contrasts);
  EXPECT_TRUE(tests.estimate.col(3).array().isNaN().all());
  EXPECT_TRUE(tests.p.col(3).array().isNaN().all());
  EXPECT_FALSE(tests.p.col(2).array().isNaN().any());
  EXPECT_FALSE(tests.p.col(4).array().isNaN().any());
}

TEST(ContrastTests, SuppliedDegreesOfFreedom) {
  const LmmFit fit = s1_fit();
  const auto contrasts = parse_contrasts(s1_contrast_specs(), fit.fixed_names);
  Eigen::MatrixXd df(4, fit.n_genes());
  for (Eigen::Index j = 0; j < df.rows(); ++j)
    for (Eigen::Index g = 0; g < df.cols(); ++g) df(j, g) = 10.0 + static_cast<double>(j + g);
  const ContrastTests tests = test_contrasts(fit, contrasts, df, Alternative::less);
  for (Eigen::Index j = 0; j < df.rows(); ++j)
    for (Eigen::Index g = 0; g < df.cols(); ++g)
      EXPECT_EQ(tests.p(j, g), t_test_p(tests.t(j, g), df(j, g), Alternative::less));
  EXPECT_THROW(test_contrasts(fit, contrasts, Eigen::MatrixXd::Constant(3, fit.n_genes(), 5.0)), InputError);
}

// A contrast's df follow the fit's df method: n - p for FLASHMM's; for a fit with Satterthwaite
// df, a single coefficient's own and every other contrast's own (never the smallest of its
// coefficients'), which needs the fit's statistics.
TEST(ContrastTests, DegreesOfFreedomFollowTheFitsMethod) {
  LmmFit fit = s1_fit();
  const std::vector<std::string> specs = {"cls1:trtB", "log(libsize)", "cls2:trtB-cls1:trtB"};
  const std::vector<Contrast> contrasts = parse_contrasts(specs, fit.fixed_names);
  fit.df.row(5).setConstant(14.0);  // as if cls1:trtB had other df: residual df ignore them
  const ContrastTests residual = test_contrasts(fit, contrasts);
  for (Eigen::Index j = 0; j < 3; ++j) EXPECT_EQ(residual.df(j, 0), 3991.0);

  fit.df_method = DfMethod::satterthwaite;  // (fit.df holds the Satterthwaite df of each coefficient)
  const ContrastTests single = test_contrasts(fit, {contrasts[0], contrasts[1]});
  EXPECT_EQ(single.df(0, 0), 14.0);
  EXPECT_EQ(single.df(1, 0), 3991.0);
  // The difference has Satterthwaite df of its own: this fit, built from files, has no statistics.
  EXPECT_THROW(test_contrasts(fit, contrasts), InputError);
}

TEST(ContrastTests, ShapeErrors) {
  const LmmFit fit = s1_fit();
  const std::vector<Contrast> wrong = {parse_contrast("a-b", {"a", "b"})};
  EXPECT_THROW(test_contrasts(fit, wrong), InputError);
  LmmFit bad = fit;
  bad.cov.resize(4, fit.n_genes());
  EXPECT_THROW(test_contrasts(bad, coefficient_contrasts(fit.fixed_names)), InputError);
  const ContrastTests none = test_contrasts(fit, {});
  EXPECT_EQ(none.p.rows(), 0);
  EXPECT_EQ(none.p.cols(), fit.n_genes());
}

TEST(VarianceComponents, ZTests) {
  const LmmFit fit = s1_fit();
  const VarianceComponentTests vc = test_variance_components(fit);
  EXPECT_EQ(vc.names, (std::vector<std::string>{"sam", "residual"}));
  ASSERT_EQ(vc.z.rows(), 2);
  ASSERT_EQ(vc.z.cols(), 60);
  for (Eigen::Index i = 0; i < 2; ++i)
    for (Eigen::Index g = 0; g < 60; ++g) {
      const double z = fit.theta(i, g) / fit.se_theta(i, g);
      EXPECT_EQ(vc.z(i, g), z);
      EXPECT_TRUE(near_relative(vc.p(i, g), std::erfc(z / std::numbers::sqrt2) / 2, 1e-12));
    }
  LmmFit unnamed = fit;
  unnamed.component_names.clear();
  EXPECT_EQ(test_variance_components(unnamed).names, (std::vector<std::string>{"var1", "residual"}));
}

TEST(PAdjust, BenjaminiHochbergKnownValues) {
  // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") is 0.05 five times.
  const std::vector<double> equal = {0.01, 0.02, 0.03, 0.04, 0.05};
  for (double q : p_adjust_bh(equal)) EXPECT_DOUBLE_EQ(q, 0.05);
  // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<double> bh = p_adjust_bh(p);
  const std::vector<double> expected = {0.02, 0.04, 0.04, 0.02};
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_DOUBLE_EQ(bh[i], expected[i]) << i;
  // R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005), "BH") = 0.02 NA 0.04 0.04 0.02 (n counts non-NA).
  const std::vector<double> with_na = {0.01, nan_value, 0.04, 0.03, 0.005};
  const std::vector<double> bh_na = p_adjust_bh(with_na);
  EXPECT_TRUE(std::isnan(bh_na[1]));
  EXPECT_DOUBLE_EQ(bh_na[0], 0.02);
  EXPECT_DOUBLE_EQ(bh_na[2], 0.04);
  EXPECT_DOUBLE_EQ(bh_na[3], 0.04);
  EXPECT_DOUBLE_EQ(bh_na[4], 0.02);
  // R: p.adjust(c(0.5, 0.6), "BH") = 0.6 0.6; capped at 1: p.adjust(c(0.9, 1), "BH") = 1 1.
  const std::vector<double> two = {0.5, 0.6};
  EXPECT_EQ(p_adjust_bh(two), (std::vector<double>{0.6, 0.6}));
  EXPECT_TRUE(p_adjust_bh(std::vector<double>{}).empty());
  const std::vector<double> all_na = {nan_value, nan_value};
  for (double q : p_adjust_bh(all_na)) EXPECT_TRUE(std::isnan(q));
}

TEST(PAdjust, BonferroniKnownValues) {
  // R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.3), "bonferroni") = 0.05 NA 0.2 0.15 0.025 1.
  const std::vector<double> p = {0.01, nan_value, 0.04, 0.03, 0.005, 0.3};
  const std::vector<double> b = p_adjust_bonferroni(p);
  EXPECT_DOUBLE_EQ(b[0], 0.05);
  EXPECT_TRUE(std::isnan(b[1]));
  EXPECT_DOUBLE_EQ(b[2], 0.2);
  EXPECT_DOUBLE_EQ(b[3], 0.15);
  EXPECT_DOUBLE_EQ(b[4], 0.025);
  EXPECT_EQ(b[5], 1.0);
}

TEST(PAdjust, Invariants) {
  // The s1 fit's p-values (all 9 x 60, with ties and values down to ~1e-30) and a NaN.
  const auto fixture = testing::read_named_matrix(testing::data_path("s1_reml_p.csv"));
  std::vector<double> p(fixture.values.data(), fixture.values.data() + fixture.values.size());
  p.push_back(nan_value);
  p.push_back(p[7]);  // a tie
  const std::vector<double> bh = p_adjust_bh(p);
  const std::vector<double> bonf = p_adjust_bonferroni(p);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p[i])) {
      EXPECT_TRUE(std::isnan(bh[i]) && std::isnan(bonf[i]));
      continue;
    }
    EXPECT_GE(bh[i], p[i]);
    EXPECT_LE(bh[i], 1.0);
    EXPECT_LE(bh[i], bonf[i]);
    EXPECT_LE(bonf[i], 1.0);
    for (std::size_t j = 0; j < p.size(); ++j)
      if (!std::isnan(p[j]) && p[i] <= p[j]) {
        EXPECT_LE(bh[i], bh[j]) << i << " " << j;
      }
  }
  EXPECT_EQ(bh[7], bh.back());
}

}  // namespace
}  // namespace flashmm

namespace flashmm {
namespace {

// A contrast's numbers do not depend on which other contrasts are tested with it.
// On a fit made by fit_lmm (which holds se, t and p), a test of one coefficient reports the fit's
// own numbers, bit for bit; 2 x a coefficient (a real contrast, through cov) agrees with them;
// and the tests do not depend on the threads.
TEST(ContrastTests, SingleCoefficientsAreTheFitsOwnOnAnyThreads) {
  for (const DfMethod df : {DfMethod::residual, DfMethod::satterthwaite}) {
    LmmOptions opt;
    opt.df = df;
    const LmmFit fit = fit_lmm(testing::s1_main_stats("sam"), opt);
    const std::vector<Contrast> unit = coefficient_contrasts(fit.fixed_names);
    const ContrastTests one = test_contrasts(fit, unit, Alternative::two_sided, 1);
    const ContrastTests three = test_contrasts(fit, unit, Alternative::two_sided, 3);
    for (const auto& tests : {one, three}) {
      EXPECT_TRUE(tests.estimate.cwiseEqual(fit.coef).all());
      EXPECT_TRUE(tests.se.cwiseEqual(fit.se).all());
      EXPECT_TRUE(tests.t.cwiseEqual(fit.t).all());
      EXPECT_TRUE(tests.p.cwiseEqual(fit.p).all());
    }
    std::vector<Contrast> doubled = unit;
    for (auto& c : doubled) c.weights *= 2.0;
    const ContrastTests two = test_contrasts(fit, doubled, Alternative::two_sided, 2);
    for (Index j = 0; j < fit.n_fixed(); ++j)
      for (Index g = 0; g < fit.n_genes(); ++g) {
        EXPECT_TRUE(near_relative(two.estimate(j, g), 2 * fit.coef(j, g), 1e-15));
        EXPECT_TRUE(near_relative(two.se(j, g), 2 * fit.se(j, g), 1e-14));
        EXPECT_TRUE(near_relative(two.p(j, g), fit.p(j, g), 1e-10));
      }
    // A real contrast on 1 and 3 threads: the same bits.
    const std::vector<Contrast> diff = parse_contrasts(std::vector<std::string>{"cls2:trtB-cls1:trtB"}, fit.fixed_names);
    const ContrastTests d1 = test_contrasts(fit, diff, Alternative::less, 1);
    const ContrastTests d3 = test_contrasts(fit, diff, Alternative::less, 3);
    EXPECT_TRUE(d1.se.cwiseEqual(d3.se).all());
    EXPECT_TRUE(d1.p.cwiseEqual(d3.p).all());
    // Other df than the fit's: the p-values follow them.
    const Eigen::MatrixXd df10 = Eigen::MatrixXd::Constant(fit.n_fixed(), fit.n_genes(), 10.0);
    const ContrastTests other = test_contrasts(fit, unit, df10);
    EXPECT_EQ(other.p(0, 0), t_test_p(fit.t(0, 0), 10.0, Alternative::two_sided));
  }
}

TEST(ContrastTests, EachContrastAsIfTestedAlone) {
  const LmmFit fit = s1_fit();
  const std::vector<Contrast> all = parse_contrasts(s1_contrast_specs(), fit.fixed_names);
  ASSERT_GE(all.size(), 3u);
  const ContrastTests together = test_contrasts(fit, all);
  for (std::size_t j = 0; j < all.size(); ++j) {
    const ContrastTests alone = test_contrasts(fit, {all[j]});
    const auto row = static_cast<Eigen::Index>(j);
    EXPECT_EQ(alone.estimate.row(0), together.estimate.row(row)) << all[j].name;
    EXPECT_EQ(alone.se.row(0), together.se.row(row)) << all[j].name;
    EXPECT_EQ(alone.p.row(0), together.p.row(row)) << all[j].name;
  }
}

}  // namespace
}  // namespace flashmm
