// Satterthwaite degrees of freedom: the analytic derivatives against central differences of
// ALGORITHM.md section 7's objective (an independent implementation here), lmerTest's df and
// p-values on s1, and the plumbing (fit_lmm's df option, de_table, threads).
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/satterthwaite.hpp>
#include <flashmm/hypothesis_tests.hpp>

#include <gtest/gtest.h>

#include "fit/fit_context.hpp"
#include "fit/general_objective.hpp"
#include "fit/prepared.hpp"
#include "fit/spectral_objective.hpp"
#include "fit/spectral_path.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>
#include <numbers>

namespace flashmm {
namespace {

using testing::near_relative;

LmmFit fit_of(const std::string& random, Method method, DfMethod df = DfMethod::residual, int threads = 0) {
  LmmOptions opt;
  opt.method = method;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  opt.df = df;
  opt.threads = threads;
  return fit_lmm(testing::s1_main_stats(random), opt);
}

// Section 7 literally, at any theta: W = XX - ZX' Mb ZX, Mb = (I + D ZZ)^-1 D, and
// -2 logLik = log|V| + [log|W / s0|] + y'Py + constant (the bracket for REML).
struct Section7 {
  const SummaryStats& st;
  Method method;
  Index g;

  Eigen::MatrixXd mb(const Eigen::VectorXd& theta) const {
    const Index q = st.q();
    Eigen::VectorXd r(q);
    Index a = 0;
    for (int c = 0; c < st.k(); ++c)
      for (int j = 0; j < st.d[static_cast<std::size_t>(c)]; ++j) r(a++) = theta(c) / theta(st.k());
    return (Eigen::MatrixXd::Identity(q, q) + r.asDiagonal() * st.ZZ).lu().solve(Eigen::MatrixXd(r.asDiagonal()));
  }
  Eigen::MatrixXd W(const Eigen::VectorXd& theta) const { return st.XX - st.ZX.transpose() * mb(theta) * st.ZX; }
  Eigen::MatrixXd cov(const Eigen::VectorXd& theta) const { return theta(st.k()) * W(theta).inverse(); }
  double minus_loglik(const Eigen::VectorXd& theta) const {
    const double s0 = theta(st.k());
    const Index q = st.q();
    const Eigen::MatrixXd Mb = mb(theta);
    Eigen::VectorXd r(q);
    Index a = 0;
    for (int c = 0; c < st.k(); ++c)
      for (int j = 0; j < st.d[static_cast<std::size_t>(c)]; ++j) r(a++) = theta(c) / s0;
    const Eigen::MatrixXd w = W(theta);
    const Eigen::VectorXd xvy = st.XY.col(g) - st.ZX.transpose() * Mb * st.ZY.col(g);
    const double yvy = st.Ynorm(g) - st.ZY.col(g).dot(Mb * st.ZY.col(g));
    const double logdet_v = static_cast<double>(st.n) * std::log(s0) +
                            std::log((Eigen::MatrixXd::Identity(q, q) + r.asDiagonal() * st.ZZ).determinant());
    const double ypy = (yvy - xvy.dot(w.ldlt().solve(xvy))) / s0;
    double out = logdet_v + ypy;
    if (method == Method::reml) out += std::log((w / s0).determinant());
    return out / 2;
  }
};

// Central differences with a relative step h in each coordinate.
Eigen::MatrixXd fd_hessian_step(const Section7& f, const Eigen::VectorXd& x, double h) {
  const Index n = x.size();
  Eigen::MatrixXd H(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      const double hi = h * std::abs(x(i)), hj = h * std::abs(x(j));
      auto at = [&](double di, double dj) {
        Eigen::VectorXd y = x;
        y(i) += di;
        y(j) += dj;
        return f.minus_loglik(y);
      };
      H(i, j) = (at(hi, hj) - at(hi, -hj) - at(-hi, hj) + at(-hi, -hj)) / (4 * hi * hj);
    }
  return (H + H.transpose()) / 2;
}

// Richardson's extrapolation of two central differences (error O(h^4)): a smaller step drowns in
// the rounding of the objective (a sum of terms of ~1e4 with n = 4000 cells). With h = 1e-3 the
// rounding alone reached 1e-5 of the Hessian's norm on s1's two-component model (a change of
// theta in its last bits moved it across the test's bound); 3e-3 keeps both errors near 1e-7.
Eigen::MatrixXd fd_hessian(const Section7& f, const Eigen::VectorXd& x, double h = 3e-3) {
  return (4 * fd_hessian_step(f, x, h) - fd_hessian_step(f, x, 2 * h)) / 3;
}

Eigen::VectorXd fd_gradient_v(const Section7& f, const Eigen::VectorXd& x, const Eigen::VectorXd& c, double h) {
  Eigen::VectorXd grad(x.size());
  for (Index i = 0; i < x.size(); ++i) {
    const double hi = h * std::abs(x(i));
    Eigen::VectorXd up = x, down = x;
    up(i) += hi;
    down(i) -= hi;
    grad(i) = (c.dot(f.cov(up) * c) - c.dot(f.cov(down) * c)) / (2 * hi);
  }
  return grad;
}

double fd_df(const Section7& f, const Eigen::VectorXd& theta, const Eigen::VectorXd& c) {
  const Eigen::MatrixXd A = fd_hessian(f, theta).inverse();
  const Eigen::VectorXd grad = fd_gradient_v(f, theta, c, 1e-4);
  const double v = c.dot(f.cov(theta) * c);
  return 2 * v * v / grad.dot(A * grad);
}

TEST(Satterthwaite, ObservedInformationEqualsCentralDifferences) {
  for (const char* random : {"sam", "sam+batch"})
    for (Method method : {Method::reml, Method::ml}) {
      SCOPED_TRACE(std::string(random) + " " + to_string(method));
      const SummaryStats& st = testing::s1_main_stats(random);
      const LmmFit fit = fit_of(random, method);
      LmmOptions opt;
      opt.method = method;
      const detail::Prepared pre = detail::prepare(st, opt);
      const detail::GeneralObjective objective(pre);
      for (Index g : {Index{0}, Index{7}, Index{30}}) {
        const Eigen::VectorXd theta = fit.theta.col(g).cwiseAbs() + Eigen::VectorXd::Constant(fit.theta.rows(), 0.01);
        const Section7 ref{st, method, g};
        const Eigen::MatrixXd fd = fd_hessian(ref, theta);
        const Eigen::MatrixXd H = objective.observed_information(g, theta);
        EXPECT_LT((H - fd).norm() / fd.norm(), 1e-5) << "gene " << g << "\n" << H << "\n" << fd;
        if (pre.k == 1) {
          const detail::SpectralPath path(pre);
          const detail::SpectralGene sg = path.gene(g);
          const Eigen::Matrix2d hs = detail::spectral_observed_information(sg, theta(0), theta(1));
          EXPECT_LT((hs - H).norm() / H.norm(), 1e-9) << "gene " << g;
          EXPECT_TRUE(near_relative(detail::spectral_loglik(sg, theta(0), theta(1)), objective.loglik(g, theta), 1e-11));
        }
        // The objective's value differs from section 7's by a constant only.
        Eigen::VectorXd other = theta;
        other(0) *= 1.5;
        other(pre.k) *= 0.8;
        const double diff_ours = objective.loglik(g, theta) - objective.loglik(g, other);
        const double diff_ref = ref.minus_loglik(other) - ref.minus_loglik(theta);
        EXPECT_NEAR(diff_ours, diff_ref, 1e-8 * (1 + std::abs(diff_ref)));
      }
    }
}

TEST(Satterthwaite, LogLikAtTheEstimateIsTheFitsLogLik) {
  for (const char* random : {"sam", "sam+batch"})
    for (Method method : {Method::reml, Method::ml}) {
      const LmmFit fit = fit_of(random, method);
      LmmOptions opt;
      opt.method = method;
      const detail::Prepared pre = detail::prepare(testing::s1_main_stats(random), opt);
      const detail::GeneralObjective objective(pre);
      for (Index g = 0; g < fit.n_genes(); ++g)
        if (fit.converged(g))
          EXPECT_TRUE(near_relative(objective.loglik(g, fit.theta.col(g)), fit.logLik(g), 1e-12))
              << random << " " << to_string(method) << " gene " << g;
    }
}

TEST(Satterthwaite, EqualsCentralDifferencesOfSection7) {
  for (const char* random : {"sam", "sam+batch"})
    for (Method method : {Method::reml, Method::ml}) {
      SCOPED_TRACE(std::string(random) + " " + to_string(method));
      const SummaryStats& st = testing::s1_main_stats(random);
      const LmmFit fit = fit_of(random, method);
      Eigen::MatrixXd L = Eigen::MatrixXd::Identity(st.p(), st.p() + 1);
      L.col(st.p()).setConstant(0.25);  // a contrast mixing all coefficients
      const Eigen::MatrixXd df = satterthwaite_df(fit, L);
      for (Index g : {Index{0}, Index{12}, Index{44}}) {
        ASSERT_TRUE(fit.converged(g));
        const Section7 ref{st, method, g};
        for (Index j = 0; j < L.cols(); ++j) {
          const double expected = fd_df(ref, fit.theta.col(g), L.col(j));
          EXPECT_TRUE(near_relative(df(j, g), expected, 1e-5)) << "gene " << g << " contrast " << j << ": " << df(j, g)
                                                               << " vs " << expected;
        }
      }
    }
}

// lmerTest 3.1-3 on lme4's fit of the same model (its estimates differ from ours by ~1e-5). The
// issue asks for 1% relative on df and p; the analytic derivatives reach ~3e-6, so 1e-4 is asserted.
TEST(Satterthwaite, MatchesLmerTestOnS1) {
  const SummaryStats& st = testing::s1_main_stats("sam");
  const LmmFit fit = fit_of("sam", Method::reml, DfMethod::satterthwaite);
  const auto ref_df = testing::read_named_matrix(testing::data_path("s1_lmerTest_df.csv"));
  const auto ref_p = testing::read_named_matrix(testing::data_path("s1_lmerTest_p.csv"));
  ASSERT_EQ(ref_df.row_names, fit.fixed_names);
  ASSERT_EQ(ref_p.row_names, fit.fixed_names);
  ASSERT_EQ(ref_df.col_names, fit.gene_names);
  double worst_df = 0, worst_p = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) {
    ASSERT_TRUE(fit.converged(g));
    for (Index j = 0; j < fit.n_fixed(); ++j) {
      const double df = fit.df(j, g), p = fit.p(j, g);
      const double rdf = std::abs(df - ref_df.values(j, g)) / ref_df.values(j, g);
      const double rp = std::abs(p - ref_p.values(j, g)) / ref_p.values(j, g);
      worst_df = std::max(worst_df, rdf);
      worst_p = std::max(worst_p, rp);
      EXPECT_LT(rdf, 1e-4) << fit.fixed_names[static_cast<std::size_t>(j)] << " " << fit.gene_names[static_cast<std::size_t>(g)]
                           << ": df " << df << " lmerTest " << ref_df.values(j, g);
      EXPECT_LT(rp, 1e-4) << fit.fixed_names[static_cast<std::size_t>(j)] << " " << fit.gene_names[static_cast<std::size_t>(g)]
                          << ": p " << p << " lmerTest " << ref_p.values(j, g) << " (t " << fit.t(j, g) << ")";
    }
  }
  std::printf("[ figures  ] lmerTest agreement: max relative error df %.3g, p %.3g\n", worst_df, worst_p);
  // The public function gives the same numbers as the fit option.
  const Eigen::MatrixXd direct = satterthwaite_df(fit, Eigen::MatrixXd::Identity(st.p(), st.p()));
  EXPECT_EQ(direct, fit.df);
  EXPECT_EQ(fit.df_method, DfMethod::satterthwaite);
}

TEST(Satterthwaite, SpectralFormEqualsGeneralForm) {
  const SummaryStats& st = testing::s1_main_stats("sam");
  for (Method method : {Method::reml, Method::ml}) {
    const LmmFit fit = fit_of("sam", method);
    LmmOptions opt;
    opt.method = method;
    opt.path = FitPath::general;
    LmmFit general_fit = fit;  // the same estimates, read through the general form
    general_fit.context = std::make_shared<const detail::FitContext>(std::make_shared<const SummaryStats>(st), opt);
    Eigen::MatrixXd L = Eigen::MatrixXd::Identity(st.p(), st.p() + 1);
    L.col(st.p()).setConstant(-0.5);
    ASSERT_NE(fit.context->spectral(), nullptr);
    ASSERT_NE(general_fit.context->general(), nullptr);
    const Eigen::MatrixXd spectral = satterthwaite_df(fit, L), general = satterthwaite_df(general_fit, L);
    for (Index g = 0; g < fit.n_genes(); ++g)
      for (Index j = 0; j < L.cols(); ++j)
        EXPECT_TRUE(near_relative(spectral(j, g), general(j, g), 1e-8))
            << to_string(method) << " gene " << g << " contrast " << j << ": " << spectral(j, g) << " vs " << general(j, g);
  }
}

TEST(Satterthwaite, IdenticalForAnyThreadCount) {
  for (const char* random : {"sam", "sam+batch"}) {
    const LmmFit fit = fit_of(random, Method::reml);
    const SummaryStats& st = testing::s1_main_stats(random);
    const Eigen::MatrixXd L = Eigen::MatrixXd::Identity(st.p(), st.p());
    const Eigen::MatrixXd one = satterthwaite_df(fit, L, 1), many = satterthwaite_df(fit, L, 3);
    for (Index g = 0; g < fit.n_genes(); ++g)
      for (Index j = 0; j < L.cols(); ++j)
        EXPECT_TRUE(one(j, g) == many(j, g) || (std::isnan(one(j, g)) && std::isnan(many(j, g)))) << random << " " << g;
  }
}

TEST(Satterthwaite, NonConvergedGenesAreNa) {
  // Two components: FLASHMM's plain scoring fails on Gene6 and Gene57.
  const SummaryStats& st = testing::s1_main_stats("sam+batch");
  const LmmFit fit = fit_of("sam+batch", Method::reml, DfMethod::satterthwaite);
  for (Index g = 0; g < fit.n_genes(); ++g) {
    if (fit.converged(g)) {
      EXPECT_TRUE(fit.df.col(g).allFinite()) << g;
      EXPECT_TRUE((fit.df.col(g).array() > 0).all()) << g;
    } else {
      EXPECT_TRUE(fit.df.col(g).array().isNaN().all()) << g;
      EXPECT_TRUE(fit.p.col(g).array().isNaN().all()) << g;
    }
  }
  EXPECT_FALSE(fit.converged(5));
  LmmFit without_context = fit;  // as read from a fit file written without its statistics
  without_context.context.reset();
  EXPECT_THROW(satterthwaite_df(without_context, Eigen::MatrixXd::Identity(st.p(), st.p())), InputError);
  EXPECT_THROW(satterthwaite_df(fit, Eigen::MatrixXd::Identity(3, 3)), InputError);
}

TEST(Satterthwaite, DeTableUsesEachContrastsOwnDf) {
  const SummaryStats& st = testing::s1_main_stats("sam");
  const LmmFit fit = fit_of("sam", Method::reml, DfMethod::satterthwaite);
  const auto contrasts = parse_contrasts(std::vector<std::string>{"BvsA=(cls1:trtB+cls2:trtB+cls3:trtB+cls4:trtB)/4",
                                                                  "cls2:trtB", "log(libsize)"},
                                         fit.fixed_names);
  const DeTable table = de_table(fit, contrasts, DfMethod::satterthwaite);
  ASSERT_EQ(table.tests.size(), 3u);
  const Index trt2 = 6, loglib = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) {
    // A single coefficient's contrast has the coefficient's df; the average its own.
    EXPECT_TRUE(near_relative(table.tests[1].df(g), fit.df(trt2, g), 1e-12));
    EXPECT_TRUE(near_relative(table.tests[2].df(g), fit.df(loglib, g), 1e-12));
    EXPECT_TRUE(near_relative(table.tests[1].p(g), fit.p(trt2, g), 1e-12));
    const double expected = fd_df(Section7{st, Method::reml, g}, fit.theta.col(g), contrasts[0].weights);
    EXPECT_TRUE(near_relative(table.tests[0].df(g), expected, 1e-5)) << g;
    // Between-sample contrast: the df are near the number of samples, not n - p.
    EXPECT_LT(table.tests[0].df(g), 60);
  }
  const DeTable residual = de_table(fit, contrasts, DfMethod::residual);
  EXPECT_EQ(residual.tests[0].df(0), static_cast<double>(st.n - st.p()));
}

}  // namespace
}  // namespace flashmm
