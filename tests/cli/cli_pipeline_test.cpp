// The program's other stages end to end: sumstats on shards + merge + fit equals de; test on a
// saved fit; other models through the program; options of issue 7; no overwriting unasked.
#include <flashmm/io/fit_file.hpp>
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <filesystem>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::q;
using testing::read_tsv;
using testing::run_cli;
using testing::slurp;
using testing::to_double;
using testing::work_dir;

const std::string kFixed = "--fixed '~ 0 + log(libsize) + cls + cls:trt'";
const std::string kFit = " --max-iter 100 --epsilon 1e-8 --quiet";

// Estimates to `tol`; p-values (p.tsv, de.tsv) to `p_tol`: far in the tails (p ~ 1e-50) a p-value
// magnifies the relative difference of its t statistic by about t^2.
void expect_tables_near(const fs::path& a, const fs::path& b, double tol, double p_tol) {
  for (const std::string name : {"coef.tsv", "se.tsv", "p.tsv", "theta.tsv", "se_theta.tsv", "genes.tsv", "de.tsv"}) {
    SCOPED_TRACE(name);
    const double t = (name == "p.tsv" || name == "de.tsv") ? p_tol : tol;
    const auto x = read_tsv(a / name), y = read_tsv(b / name);
    ASSERT_EQ(x.header, y.header);
    ASSERT_EQ(x.rows.size(), y.rows.size());
    for (std::size_t r = 0; r < x.rows.size(); ++r)
      for (std::size_t c = 0; c < x.rows[r].size(); ++c) {
        const auto &u = x.rows[r][c], &v = y.rows[r][c];
        if (u == v) continue;
        char* end = nullptr;
        std::strtod(u.c_str(), &end);
        ASSERT_TRUE(end != u.c_str() && *end == '\0') << u << " vs " << v;  // text must match exactly
        EXPECT_TRUE(testing::near_relative(to_double(u), to_double(v), t)) << u << " vs " << v;
      }
  }
}

TEST(CliPipeline, ShardsMergedAndFittedEqualDe) {
  const fs::path dir = work_dir("pipeline_shards");
  const std::string in = q(data_path("s1.h5ad"));
  // One random component: with two, s1's batch variance is near 0 and a gene's final max|dlogL|
  // can sit within rounding of epsilon, so the order of the additions may flip its flag.
  const std::string model = kFixed + " --random '~ 0 + sam' --quiet";
  ASSERT_EQ(run_cli("de " + in + " " + model + " --max-iter 100 --epsilon 1e-8 --out " + q(dir / "de"), dir).status, 0);
  auto r = run_cli("sumstats " + in + " " + model + " --cell-range 1:1999 -o " + q(dir / "a.h5"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("sumstats " + in + " " + model + " --cell-range 2000: -o " + q(dir / "b.h5"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "b.h5") + " -o " + q(dir / "all.h5"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("fit " + q(dir / "all.h5") + kFit + " --out " + q(dir / "fit"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  // The sums differ from one pass over all cells only in the order of additions.
  expect_tables_near(dir / "de", dir / "fit", 1e-9, 1e-6);
  const auto genes = read_tsv(dir / "fit" / "genes.tsv");
  ASSERT_EQ(genes.rows.size(), 60u);
  for (const auto& row : genes.rows) EXPECT_EQ(row[2], "true") << row[0];
}

TEST(CliPipeline, MergeRefusesShardsOfAnotherModel) {
  const fs::path dir = work_dir("pipeline_mismatch");
  const std::string in = q(data_path("s1.h5ad"));
  ASSERT_EQ(run_cli("sumstats " + in + " " + kFixed + " --random '~ 0 + sam' --quiet -o " + q(dir / "a.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("sumstats " + in + " " + kFixed + " --random '~ 0 + batch' --quiet -o " + q(dir / "b.h5"), dir).status, 0);
  const auto r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "b.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_NE(r.status, 0);
  // The difference is named in the user's terms.
  EXPECT_NE(r.err.find("the random formula is '~ 0 + batch'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'~ 0 + sam'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m.h5"));
  // Cells chosen by --subset are part of how the statistics were made (the cell ranges count the
  // input's cells, whichever a subset keeps): shards of different subsets do not merge.
  ASSERT_EQ(run_cli("sumstats " + in + " " + kFixed + " --random '~ 0 + sam' --cell-range 1:2000 --quiet -o " +
                        q(dir / "first.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("sumstats " + in + " " + kFixed + " --random '~ 0 + sam' --cell-range 2001: --subset '!is.na(age)' "
                        "--quiet -o " + q(dir / "second.h5"), dir).status, 0);
  const auto s = run_cli("merge " + q(dir / "first.h5") + " " + q(dir / "second.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_NE(s.status, 0);
  EXPECT_NE(s.err.find("made with --subset '!is.na(age)', '" + (dir / "first.h5").string() + "' from all cells"),
            std::string::npos) << s.err;
  EXPECT_FALSE(fs::exists(dir / "m.h5"));
  // ... and fit.h5 records them.
  ASSERT_EQ(run_cli("fit " + q(dir / "second.h5") + " --quiet --out " + q(dir / "fit"), dir).status, 0);
  io::FitProvenance prov;
  io::read_fit((dir / "fit" / "fit.h5").string(), &prov);
  EXPECT_EQ(prov["subset"], "!is.na(age)");
  EXPECT_EQ(prov["matrix"], "X");
}

TEST(CliPipeline, MlAndTwoComponentModelsMatchFlashmm) {
  const fs::path dir = work_dir("pipeline_models");
  const std::string in = q(data_path("s1.h5ad"));
  struct Case {
    std::string args, prefix;
  };
  for (const Case& c : {Case{"--random '~ 0 + sam' --method ml", "s1_ml"},
                        Case{"--random '~ 0 + sam' --random '~ 0 + batch'", "s1_reml_2re"}}) {
    SCOPED_TRACE(c.prefix);
    const fs::path out = dir / c.prefix;
    const auto r = run_cli("de " + in + " " + kFixed + " " + c.args + kFit + " --df residual --out " + q(out), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto ours = read_tsv(out / "coef.tsv");
    const auto ref = testing::read_named_matrix(data_path(c.prefix + "_coef.csv"));
    const auto theta = read_tsv(out / "theta.tsv");
    const auto ref_theta = testing::read_named_matrix(data_path(c.prefix + "_theta.csv"));
    const auto genes = read_tsv(out / "genes.tsv");
    for (std::size_t g = 0; g < ours.rows.size(); ++g) {
      if (genes.rows[g][2] != "true") continue;  // compared on converged genes, as FLASHMM's own
      for (std::size_t j = 1; j < ours.header.size(); ++j)
        EXPECT_TRUE(testing::near_relative(to_double(ours.rows[g][j]), ref.values(static_cast<Eigen::Index>(j - 1),
                                                                                  static_cast<Eigen::Index>(g)), 1e-8));
      for (std::size_t j = 1; j < theta.header.size(); ++j)
        EXPECT_TRUE(testing::near_relative(to_double(theta.rows[g][j]),
                                           ref_theta.values(static_cast<Eigen::Index>(j - 1), static_cast<Eigen::Index>(g)),
                                           1e-8));
    }
    EXPECT_EQ(theta.header.back(), "residual");
  }
}

TEST(CliPipeline, TestOnASavedFitReproducesFlashmmContrasts) {
  const fs::path dir = work_dir("pipeline_test");
  // FLASHMM's lmmtest: residual df, in de and test alike.
  ASSERT_EQ(run_cli("de " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam'" + kFit +
                        " --df residual --out " + q(dir / "de"),
                    dir)
                .status,
            0);
  const auto r = run_cli("test " + q(dir / "de" / "fit.h5") +
                             " --contrast 'BvsA=(cls1:trtB+cls2:trtB+cls3:trtB+cls4:trtB)/4' --alternative less --df residual --out " +
                             q(dir / "t"),
                         dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto de = read_tsv(dir / "t" / "de.tsv");
  const auto ref = testing::read_csv(data_path("s1_reml_lmmtest_less.csv"));
  const int ic = ref.column("BvsA_coef"), ip = ref.column("BvsA_p");
  ASSERT_EQ(de.rows.size(), ref.rows.size());
  for (std::size_t g = 0; g < de.rows.size(); ++g) {
    EXPECT_EQ(de.rows[g][0], ref.rows[g][0]);
    EXPECT_EQ(de.rows[g][1], "BvsA");
    EXPECT_TRUE(testing::near_relative(to_double(de.rows[g][2]), std::stod(ref.rows[g][static_cast<std::size_t>(ic)]), 1e-8));
    EXPECT_TRUE(testing::near_relative(to_double(de.rows[g][6]), std::stod(ref.rows[g][static_cast<std::size_t>(ip)]), 1e-8));
  }
}

// `test` on a fit made with --df satterthwaite gives a contrast the df de gives it (its own
// Satterthwaite df, from the statistics fit.h5 keeps), not the smallest of its coefficients'.
TEST(CliPipeline, TestAfterSatterthwaiteEqualsDe) {
  const fs::path dir = work_dir("pipeline_test_df");
  const std::string contrast = " --contrast 'BvsA=(cls1:trtB+cls2:trtB)/2'";
  ASSERT_EQ(run_cli("de " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --df satterthwaite" +
                        contrast + kFit + " --out " + q(dir / "de"),
                    dir)
                .status,
            0);
  const auto r = run_cli("test " + q(dir / "de" / "fit.h5") + contrast + " --out " + q(dir / "t"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto de = read_tsv(dir / "de" / "de.tsv"), test = read_tsv(dir / "t" / "de.tsv");
  ASSERT_EQ(de.header, test.header);
  std::size_t compared = 0;
  for (const auto& row : de.rows) {
    if (row[1] != "BvsA") continue;
    ASSERT_LT(compared, test.rows.size());
    EXPECT_EQ(test.rows[compared], row);  // every column, df and p included, to the last digit
    EXPECT_LT(to_double(row[5]), 100) << row[0];  // between-sample df, not n - p
    ++compared;
  }
  EXPECT_EQ(compared, 60u);
  EXPECT_EQ(compared, test.rows.size());
}

TEST(CliPipeline, SatterthwaiteAndRobustOptions) {
  const fs::path dir = work_dir("pipeline_df");
  const auto r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kFixed +
                             " --random '~ 0 + sam' --random '~ 0 + batch' --df satterthwaite --nonnegative" + kFit +
                             " --out " + q(dir / "out"),
                         dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto genes = read_tsv(dir / "out" / "genes.tsv");
  for (const auto& row : genes.rows) EXPECT_EQ(row[2], "true") << row[0] << " " << row[5];
  // Between-sample terms get about as many df as there are samples, not n - p = 3991.
  const auto de = read_tsv(dir / "out" / "de.tsv");
  int checked = 0;
  for (const auto& row : de.rows)
    if (row[1] == "cls1:trtB") {
      EXPECT_LT(to_double(row[5]), 100) << row[0];
      ++checked;
    }
  EXPECT_EQ(checked, 60);
}

// --robust converges every gene of s1_reml_2re: FLASHMM's results where plain scoring converges,
// lme4's boundary estimate (status converged_nonnegative, with a warning) on Gene6 and Gene57.
TEST(CliPipeline, RobustConvergesEveryGeneAndSaysWhichWereConstrained) {
  const fs::path dir = work_dir("pipeline_robust");
  const std::string base = "de " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --random '~ 0 + batch'" +
                           " --max-iter 100 --epsilon 1e-8";
  ASSERT_EQ(run_cli(base + " --quiet --out " + q(dir / "plain"), dir).status, 0);
  const auto r = run_cli(base + " --robust --out " + q(dir / "robust"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("converged_nonnegative"), std::string::npos) << r.err;
  const auto plain = read_tsv(dir / "plain" / "genes.tsv"), robust = read_tsv(dir / "robust" / "genes.tsv");
  const auto plain_coef = read_tsv(dir / "plain" / "coef.tsv"), robust_coef = read_tsv(dir / "robust" / "coef.tsv");
  ASSERT_EQ(robust.header.back(), "status");
  ASSERT_EQ(plain.rows.size(), robust.rows.size());
  std::vector<std::string> constrained;
  for (std::size_t g = 0; g < robust.rows.size(); ++g) {
    EXPECT_EQ(robust.rows[g][2], "true") << robust.rows[g][0];
    if (robust.rows[g].back() == "converged_nonnegative") {
      constrained.push_back(robust.rows[g][0]);
      EXPECT_EQ(plain.rows[g][2], "false");
    } else {
      EXPECT_EQ(robust.rows[g], plain.rows[g]);
    }
  }
  EXPECT_EQ(constrained, (std::vector<std::string>{"Gene6", "Gene57"}));
  // Coefficients of every gene that plain scoring fits are FLASHMM's, to the last digit written.
  ASSERT_EQ(robust_coef.rows.size(), plain_coef.rows.size());
  for (std::size_t g = 0; g < robust_coef.rows.size(); ++g)
    if (robust_coef.rows[g][0] != "Gene6" && robust_coef.rows[g][0] != "Gene57")
      EXPECT_EQ(robust_coef.rows[g], plain_coef.rows[g]);
}

TEST(CliPipeline, ExistingResultsAreNotOverwrittenUnasked) {
  const fs::path dir = work_dir("pipeline_force");
  const std::string cmd = "de " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --quiet --out " +
                          q(dir / "out");
  ASSERT_EQ(run_cli(cmd, dir).status, 0);
  const std::string before = slurp(dir / "out" / "coef.tsv");
  auto r = run_cli(cmd + " --method ml", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "out" / "coef.tsv"), before);
  r = run_cli(cmd + " --method ml --force", dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(dir / "out" / "coef.tsv"), before);
  // sumstats likewise.
  ASSERT_EQ(run_cli("sumstats " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --quiet -o " +
                        q(dir / "s.h5"),
                    dir)
                .status,
            0);
  r = run_cli("sumstats " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --quiet -o " + q(dir / "s.h5"),
              dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
}

TEST(CliPipeline, InvalidOptionValuesAreRejected) {
  const fs::path dir = work_dir("pipeline_options");
  const std::string base = "de " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --out " + q(dir / "o");
  for (const char* bad : {" --method foo", " --max-iter 0", " --epsilon -1", " --df kenward", " --transform log",
                          " --threads -2", " --chunk-cells 0", " --device tpu"}) {
    const auto r = run_cli(base + bad, dir);
    EXPECT_NE(r.status, 0) << bad;
    EXPECT_FALSE(r.err.empty()) << bad;
  }
  const auto r = run_cli("sumstats " + q(data_path("s1.h5ad")) + " " + kFixed + " --random '~ 0 + sam' --cell-range 9:3 -o " +
                             q(dir / "x.h5"),
                         dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--cell-range"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace flashmm
