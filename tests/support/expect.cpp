#include "support/expect.hpp"

#include "support/fixture.hpp"

#include <cmath>
#include <utility>

namespace flashmm::testing {

void expect_equal_bits(const SummaryStats& a, const SummaryStats& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.XX, b.XX);
  EXPECT_EQ(a.XY, b.XY);
  EXPECT_EQ(a.ZX, b.ZX);
  EXPECT_EQ(a.ZY, b.ZY);
  EXPECT_EQ(a.ZZ, b.ZZ);
  EXPECT_EQ(a.Ynorm, b.Ynorm);
  EXPECT_EQ(a.Ysum, b.Ysum);
  EXPECT_EQ(a.nnz, b.nnz);
}

void expect_matrix_near(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol, const char* what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.cols(), b.cols()) << what;
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = 0; j < a.cols(); ++j)
      EXPECT_TRUE(near_relative(a(i, j), b(i, j), tol)) << what << "(" << i << "," << j << "): " << a(i, j) << " vs " << b(i, j);
}

void expect_fits_near(const LmmFit& a, const LmmFit& b, double tol, double abs_floor, bool with_dlogL) {
  ASSERT_EQ(a.n_genes(), b.n_genes());
  ASSERT_EQ(a.n_fixed(), b.n_fixed());
  EXPECT_EQ(a.warnings, b.warnings);
  const std::pair<const char*, Eigen::MatrixXd LmmFit::*> outputs[] = {
      {"coef", &LmmFit::coef},         {"se", &LmmFit::se},
      {"t", &LmmFit::t},               {"p", &LmmFit::p},
      {"df", &LmmFit::df},             {"cov", &LmmFit::cov},
      {"theta", &LmmFit::theta},       {"se_theta", &LmmFit::se_theta},
      {"dlogL", &LmmFit::dlogL},       {"fim_theta", &LmmFit::fim_theta},
      {"fim_beta", &LmmFit::fim_beta}, {"blup", &LmmFit::blup}};
  for (Index g = 0; g < a.n_genes(); ++g) {
    const auto gs = static_cast<std::size_t>(g);
    const std::string gene = gs < a.gene_names.size() ? a.gene_names[gs] : "gene " + std::to_string(g);
    EXPECT_EQ(a.niter[gs], b.niter[gs]) << gene;
    EXPECT_EQ(a.status[gs], b.status[gs]) << gene;
    for (const auto& [what, member] : outputs) {
      if (!with_dlogL && member == &LmmFit::dlogL) continue;
      const Eigen::MatrixXd &x = a.*member, &y = b.*member;
      ASSERT_EQ(x.rows(), y.rows()) << what;
      for (Index i = 0; i < x.rows(); ++i)
        EXPECT_TRUE(near_relative(x(i, g), y(i, g), tol) || std::abs(x(i, g) - y(i, g)) < abs_floor)
            << what << "(" << i << ") of " << gene << ": " << x(i, g) << " vs " << y(i, g);
    }
    EXPECT_TRUE(near_relative(a.logLik(g), b.logLik(g), tol)) << "logLik of " << gene;
  }
}

void expect_device_fit_near(const LmmFit& device, const LmmFit& cpu, double tol, double unconverged_tol) {
  ASSERT_EQ(device.n_genes(), cpu.n_genes());
  ASSERT_EQ(device.n_fixed(), cpu.n_fixed());
  EXPECT_EQ(device.warnings, cpu.warnings);
  using M = Eigen::MatrixXd LmmFit::*;
  const std::pair<const char*, M> information[] = {{"se_theta", &LmmFit::se_theta}, {"fim_theta", &LmmFit::fim_theta}};
  const std::pair<const char*, M> fixed[] = {{"coef", &LmmFit::coef}, {"se", &LmmFit::se},   {"t", &LmmFit::t},
                                             {"p", &LmmFit::p},       {"df", &LmmFit::df},   {"cov", &LmmFit::cov},
                                             {"fim_beta", &LmmFit::fim_beta}};
  for (Index g = 0; g < cpu.n_genes(); ++g) {
    const auto gs = static_cast<std::size_t>(g);
    const std::string gene = gs < cpu.gene_names.size() ? cpu.gene_names[gs] : "gene " + std::to_string(g);
    EXPECT_EQ(device.niter[gs], cpu.niter[gs]) << gene;
    EXPECT_EQ(device.status[gs], cpu.status[gs]) << gene;
    const double fe_tol = cpu.converged(g) ? tol : unconverged_tol;
    auto compare = [&](const char* what, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, double t) {
      for (Index i = 0; i < x.rows(); ++i)
        EXPECT_TRUE(near_relative(x(i, g), y(i, g), t))
            << what << "(" << i << ") of " << gene << ": " << x(i, g) << " vs " << y(i, g);
    };
    compare("theta", device.theta, cpu.theta, tol);
    for (const auto& [what, m] : information) compare(what, device.*m, cpu.*m, fe_tol);
    for (const auto& [what, m] : fixed) compare(what, device.*m, cpu.*m, fe_tol);
    EXPECT_TRUE(near_relative(device.logLik(g), cpu.logLik(g), tol)) << "logLik of " << gene;
    const Index k1 = cpu.dlogL.rows();
    for (Index i = 0; i < k1; ++i) {
      const double scale = std::max(1.0, std::abs(cpu.fim_theta(i * (k1 + 1), g) * cpu.theta(i, g)));
      const double x = device.dlogL(i, g), y = cpu.dlogL(i, g);
      EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || std::abs(x - y) <= tol * scale)
          << "dlogL(" << i << ") of " << gene << ": " << x << " vs " << y;
    }
    const double blup_scale = cpu.blup.col(g).cwiseAbs().maxCoeff();
    for (Index i = 0; i < cpu.blup.rows(); ++i) {
      const double x = device.blup(i, g), y = cpu.blup(i, g);
      EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || std::abs(x - y) <= 100 * fe_tol * blup_scale)
          << "blup(" << i << ") of " << gene << ": " << x << " vs " << y << " (largest " << blup_scale << ")";
    }
  }
}

}  // namespace flashmm::testing
