// A fit written to fit.h5 and read back: every array and name, exactly.
#include <flashmm/error.hpp>
#include <flashmm/io/fit_file.hpp>

#include <gtest/gtest.h>

#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace flashmm {
namespace {

bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index i = 0; i < a.size(); ++i)
    if (!(a.data()[i] == b.data()[i] || (std::isnan(a.data()[i]) && std::isnan(b.data()[i])))) return false;
  return true;
}

TEST(FitFile, RoundTripIsExact) {
  SummaryStats stats = testing::s1_main_stats("sam+batch");
  stats.XY.col(3).setZero();  // one all-zero gene, NA throughout
  stats.ZY.col(3).setZero();
  stats.Ynorm(3) = 0;
  LmmOptions opt;
  opt.max_iter = 100;
  opt.epsilon = 1e-8;
  const LmmFit fit = fit_lmm(stats, opt);
  const auto dir = testing::work_dir("fit_file");
  const std::string path = (dir / "fit.h5").string();
  io::write_fit(path, fit, {{"fixed", "~ 0 + log(libsize) + cls + cls:trt"}, {"transform", "log2p1"}});
  io::FitProvenance prov;
  const LmmFit r = io::read_fit(path, &prov);
  EXPECT_EQ(prov.at("fixed"), "~ 0 + log(libsize) + cls + cls:trt");
  EXPECT_EQ(prov.at("transform"), "log2p1");
  EXPECT_EQ(r.method, fit.method);
  EXPECT_EQ(r.n, fit.n);
  EXPECT_EQ(r.epsilon, fit.epsilon);
  EXPECT_EQ(r.max_iter, fit.max_iter);
  for (auto [a, b] : {std::pair{&r.coef, &fit.coef}, {&r.se, &fit.se}, {&r.t, &fit.t}, {&r.p, &fit.p}, {&r.df, &fit.df},
                      {&r.theta, &fit.theta}, {&r.se_theta, &fit.se_theta}, {&r.dlogL, &fit.dlogL}, {&r.blup, &fit.blup},
                      {&r.cov, &fit.cov}, {&r.fim_beta, &fit.fim_beta}, {&r.fim_theta, &fit.fim_theta}})
    EXPECT_TRUE(same_bits(*a, *b));
  EXPECT_TRUE(same_bits(r.logLik, fit.logLik));
  EXPECT_EQ(r.niter, fit.niter);
  EXPECT_EQ(r.status, fit.status);
  EXPECT_EQ(r.status[3], GeneStatus::all_zero);
  EXPECT_EQ(r.d, fit.d);
  EXPECT_EQ(r.fixed_names, fit.fixed_names);
  EXPECT_EQ(r.random_names, fit.random_names);
  EXPECT_EQ(r.component_names, fit.component_names);
  EXPECT_EQ(r.gene_names, fit.gene_names);
  EXPECT_THROW(io::read_fit(testing::data_path("s1.h5ad")), IoError);
}

// Every status a fit can end with reads back, those of the safeguarded optimizer included.
TEST(FitFile, EveryGeneStatusRoundTrips) {
  const SummaryStats& stats = testing::s1_main_stats("sam");
  LmmFit fit = fit_lmm(stats);
  ASSERT_GE(fit.n_genes(), static_cast<Index>(std::size(kGeneStatuses)));
  for (std::size_t i = 0; i < std::size(kGeneStatuses); ++i) fit.status[i] = kGeneStatuses[i];
  const auto dir = testing::work_dir("fit_file_status");
  const std::string path = (dir / "fit.h5").string();
  io::write_fit(path, fit, {});
  EXPECT_EQ(io::read_fit(path).status, fit.status);
}

// The same fit gives the same bytes (no timestamps); fim_beta is optional.
TEST(FitFile, SameFitSameBytesAndFimBetaOptional) {
  const LmmFit fit = fit_lmm(testing::s1_main_stats("sam"));
  const auto dir = testing::work_dir("fit_file_bytes");
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string(), c = (dir / "c.h5").string();
  io::write_fit(a, fit, {{"input", "x"}});
  io::write_fit(b, fit, {{"input", "x"}});
  auto bytes = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_FALSE(bytes(a).empty());
  EXPECT_TRUE(bytes(a) == bytes(b));
  io::FitFileOptions without;
  without.fim_beta = false;
  io::write_fit(c, fit, {{"input", "x"}}, without);
  EXPECT_LT(bytes(c).size(), bytes(a).size());
  const LmmFit r = io::read_fit(c);
  EXPECT_EQ(r.fim_beta.size(), 0);
  EXPECT_TRUE(same_bits(r.cov, fit.cov));
  // Symmetric matrices are written as they are; an asymmetric one goes through the transposition.
  LmmFit skew = fit;
  skew.cov(1, 2) += 1.0;  // gene 3's element (1, 0)
  io::write_fit(c, skew, {});
  EXPECT_TRUE(same_bits(io::read_fit(c).cov, skew.cov));
}

}  // namespace
}  // namespace flashmm
