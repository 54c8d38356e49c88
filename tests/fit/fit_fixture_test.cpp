// The fit against FLASHMM's own output on s1, gene by gene, for every fixture model.
#include <flashmm/formula.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/metadata_csv.hpp>

#include <gtest/gtest.h>

#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"
#include "support/s1.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace flashmm {
namespace {

using testing::near_relative;
using testing::read_named_matrix;

struct ModelCase {
  std::string prefix;   // fixture prefix, e.g. "s1_reml"
  std::string fixed;    // "main" or "intercept"
  std::string random;   // "sam" or "sam+batch"
  Method method;
  int max_iter;
  double epsilon;
  std::set<std::string> not_converged;      // genes FLASHMM does not converge
  std::map<std::string, int> niter_slack;   // genes whose niter may differ by rounding
};

std::ostream& operator<<(std::ostream& os, const ModelCase& c) { return os << c.prefix; }

std::vector<ModelCase> model_cases() {
  return {
      {"s1_reml", "main", "sam", Method::reml, 100, 1e-8, {}, {}},
      {"s1_ml", "main", "sam", Method::ml, 100, 1e-8, {}, {}},
      {"s1_reml_default", "main", "sam", Method::reml, 50, 1e-5, {}, {}},
      {"s1_reml_2re", "main", "sam+batch", Method::reml, 100, 1e-8, {"Gene6", "Gene57"}, {}},
      {"s1_ml_2re", "main", "sam+batch", Method::ml, 100, 1e-8, {"Gene6", "Gene38", "Gene57"},
       {{"Gene13", 2}, {"Gene45", 2}}},
      {"s1_reml_intercept", "intercept", "sam", Method::reml, 100, 1e-8, {}, {}},
  };
}

// The same design from the formulas of the fixture table (ALGORITHM.md section 5), read from
// s1_metadata.csv by the CSV reader, instead of hand-built matrices.
// bars: the random effects as lme4 writes them, (1 | sam) in the fixed formula and, for two
// components, (1 | sam) + (1 | batch) as one random formula.
testing::S1Design design_from_formulas(const ModelCase& c, bool bars = false) {
  const Metadata& meta = testing::s1_metadata();
  std::string fixed = c.fixed == "intercept" ? "~ log(libsize) + age + cls + cls:trt"
                                             : "~ 0 + log(libsize) + cls + cls:trt";
  std::vector<std::string> random = {"~ 0 + sam"};
  if (c.random == "sam+batch") random.push_back("~ 0 + batch");
  if (bars && c.random == "sam+batch") random = {"(1 | sam) + (1 | batch)"};
  if (bars && c.random == "sam") {
    fixed += " + (1 | sam)";
    random.clear();
  }
  const DesignBuilder builder(meta, fixed, random);
  testing::S1Design d;
  builder.build(0, builder.n_used_cells(), d.X, d.Z);
  d.fixed_names = builder.fixed_names();
  d.random_names = builder.random_names();
  d.component_names = builder.component_names();
  d.d = builder.d();
  return d;
}

class FitFixture : public ::testing::TestWithParam<ModelCase> {
 protected:
  static LmmFit fit_case(const ModelCase& c, bool from_formulas = false, bool bars = false) {
    const auto design = from_formulas ? design_from_formulas(c, bars) : testing::s1_design(c.fixed, c.random);
    const SummaryStats stats = testing::s1_stats(design);
    LmmOptions opt;
    opt.method = c.method;
    opt.max_iter = c.max_iter;
    opt.epsilon = c.epsilon;
    return fit_lmm(stats, opt);
  }
};

// Compares a terms x genes fixture with our rows x genes matrix on the given genes.
void expect_matrix(const std::string& file, const Eigen::MatrixXd& ours, const std::vector<std::string>& genes,
                   const std::set<std::string>& skip, double tol) {
  const auto ref = read_named_matrix(testing::data_path(file));
  ASSERT_EQ(ref.values.rows(), ours.rows()) << file;
  ASSERT_EQ(ref.col_names.size(), genes.size()) << file;
  int compared = 0;
  for (std::size_t g = 0; g < genes.size(); ++g) {
    ASSERT_EQ(ref.col_names[g], genes[g]);
    if (skip.count(genes[g])) continue;
    for (Eigen::Index r = 0; r < ours.rows(); ++r) {
      const double a = ours(r, static_cast<Eigen::Index>(g)), b = ref.values(r, static_cast<Eigen::Index>(g));
      EXPECT_TRUE(near_relative(a, b, tol)) << file << " " << genes[g] << " row " << ref.row_names[static_cast<std::size_t>(r)]
                                            << ": ours " << a << " reference " << b
                                            << " rel " << std::abs(a - b) / std::abs(b);
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
}

void check_against_fixtures(const ModelCase& c, const LmmFit& fit) {
  const auto& genes = fit.gene_names;
  const double tol = 1e-8;

  // Convergence flags: exactly the genes FLASHMM fails on are flagged.
  for (std::size_t g = 0; g < genes.size(); ++g) {
    const bool expected = !c.not_converged.count(genes[g]);
    EXPECT_EQ(fit.converged(static_cast<Index>(g)), expected) << c.prefix << " " << genes[g] << " status "
                                                             << to_string(fit.status[g]);
  }
  expect_matrix(c.prefix + "_coef.csv", fit.coef, genes, c.not_converged, tol);
  expect_matrix(c.prefix + "_se.csv", fit.se, genes, c.not_converged, tol);
  expect_matrix(c.prefix + "_t.csv", fit.t, genes, c.not_converged, tol);
  expect_matrix(c.prefix + "_p.csv", fit.p, genes, c.not_converged, tol);
  expect_matrix(c.prefix + "_theta.csv", fit.theta, genes, c.not_converged, tol);
  expect_matrix(c.prefix + "_se_theta.csv", fit.se_theta, genes, c.not_converged, tol);

  const auto table = testing::read_csv(testing::data_path(c.prefix + "_gene.csv"));
  const int in = table.column("niter"), il = table.column("logLik"), id = table.column("df");
  for (std::size_t g = 0; g < table.rows.size(); ++g) {
    const auto& row = table.rows[g];
    ASSERT_EQ(row[0], genes[g]);
    if (c.not_converged.count(genes[g])) continue;
    const int ref_niter = std::stoi(row[static_cast<std::size_t>(in)]);
    const auto slack = c.niter_slack.count(genes[g]) ? c.niter_slack.at(genes[g]) : 0;
    EXPECT_LE(std::abs(fit.niter[g] - ref_niter), slack) << c.prefix << " " << genes[g] << " niter";
    EXPECT_TRUE(near_relative(fit.logLik(static_cast<Index>(g)), std::stod(row[static_cast<std::size_t>(il)]), tol))
        << c.prefix << " " << genes[g] << " logLik " << fit.logLik(static_cast<Index>(g)) << " vs " << row[static_cast<std::size_t>(il)];
    EXPECT_EQ(fit.df(0, static_cast<Index>(g)), std::stod(row[static_cast<std::size_t>(id)]));
  }

  // Covariance of the coefficients (long format).
  const auto cov = testing::read_long_matrices(testing::data_path(c.prefix + "_cov.csv"));
  ASSERT_EQ(cov.names, fit.fixed_names);
  for (std::size_t g = 0; g < genes.size(); ++g) {
    if (c.not_converged.count(genes[g])) continue;
    const Eigen::MatrixXd& ref = cov.by_gene.at(genes[g]);
    const auto ours = fit.cov_of(static_cast<Index>(g));
    for (Eigen::Index i = 0; i < ref.rows(); ++i)
      for (Eigen::Index j = 0; j < ref.cols(); ++j)
        EXPECT_TRUE(near_relative(ours(i, j), ref(i, j), tol) || std::abs(ours(i, j) - ref(i, j)) < 1e-15)
            << c.prefix << " cov " << genes[g] << " (" << i << "," << j << "): " << ours(i, j) << " vs " << ref(i, j);
  }
}

TEST_P(FitFixture, MatchesFlashmmOnConvergedGenes) { check_against_fixtures(GetParam(), fit_case(GetParam())); }

TEST_P(FitFixture, MatchesFlashmmWithDesignsFromFormulaStrings) {
  const LmmFit fit = fit_case(GetParam(), true);
  EXPECT_EQ(fit.component_names[0], "sam");
  check_against_fixtures(GetParam(), fit);
}

// lme4's syntax gives the same design bit for bit, so the same fit (issue 15.2).
TEST_P(FitFixture, MatchesFlashmmWithLme4BarTerms) {
  const auto plain = design_from_formulas(GetParam()), bars = design_from_formulas(GetParam(), true);
  EXPECT_EQ(bars.X, plain.X);
  EXPECT_EQ(Eigen::MatrixXd(bars.Z), Eigen::MatrixXd(plain.Z));
  EXPECT_EQ(bars.component_names, plain.component_names);
  EXPECT_EQ(bars.random_names, plain.random_names);
  const LmmFit fit = fit_case(GetParam(), true, true);
  EXPECT_EQ(fit.component_names, plain.component_names);
  check_against_fixtures(GetParam(), fit);
}

INSTANTIATE_TEST_SUITE_P(S1, FitFixture, ::testing::ValuesIn(model_cases()),
                         [](const auto& info) { return info.param.prefix; });

}  // namespace
}  // namespace flashmm
