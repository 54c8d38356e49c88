// The tables as analysts read them (issue 16): Satterthwaite df by default (--df residual is
// FLASHMM's), de.tsv's mean and nonzero fraction against the counts, top.tsv, the reported
// tests (--test, --nuisance, --contrast), columns.txt, progress on a log, -o and --help.
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::q;
using testing::read_tsv;
using testing::run_cli;
using testing::slurp;
using testing::to_double;
using testing::Tsv;
using testing::work_dir;

int exit_status(int system_status) { return WIFEXITED(system_status) ? WEXITSTATUS(system_status) : -1; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::string kS1 = q(data_path("s1.h5ad"));
const std::string kFormulas = " --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam'";
const std::string kModel = kFormulas + " --max-iter 100 --epsilon 1e-8";
const std::vector<std::string> kTsvs = {"coef.tsv", "se.tsv", "t.tsv", "p.tsv", "theta.tsv", "se_theta.tsv",
                                        "dlogL.tsv", "genes.tsv", "de.tsv", "top.tsv"};

std::vector<std::string> tests_of(const Tsv& de) {
  std::vector<std::string> names;
  for (const auto& row : de.rows)
    if (std::find(names.begin(), names.end(), row[1]) == names.end()) names.push_back(row[1]);
  return names;
}

testing::CliRun de(const std::string& args, const fs::path& dir, const std::string& out) {
  return run_cli("de " + kS1 + kModel + " --quiet " + args + " -o " + q(dir / out), dir);
}

TEST(CliResults, DefaultDfIsSatterthwaite) {
  const fs::path dir = work_dir("results_default_df");
  const std::string contrast = " --contrast 'BvsA=(cls1:trtB+cls2:trtB)/2'";
  ASSERT_EQ(de(contrast, dir, "default").status, 0);
  ASSERT_EQ(de(contrast + " --df satterthwaite", dir, "sat").status, 0);
  ASSERT_EQ(de(contrast + " --df residual", dir, "res").status, 0);
  for (const auto& f : kTsvs) {
    EXPECT_EQ(slurp(dir / "default" / f), slurp(dir / "sat" / f)) << f;
    EXPECT_FALSE(slurp(dir / "default" / f).empty()) << f;
  }
  EXPECT_NE(slurp(dir / "default" / "p.tsv"), slurp(dir / "res" / "p.tsv"));
  // The contrast varies between samples: about as many df as samples, not n - p = 3991.
  for (const auto& row : read_tsv(dir / "default" / "de.tsv").rows) EXPECT_LT(to_double(row[5]), 100) << row[0];
  for (const auto& row : read_tsv(dir / "res" / "de.tsv").rows) EXPECT_EQ(row[5], "3991") << row[0];
  // fit and test default to it as well.
  ASSERT_EQ(run_cli("sumstats " + kS1 + kFormulas + " --quiet -o " + q(dir / "s.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("fit " + q(dir / "s.h5") + " --max-iter 100 --epsilon 1e-8 --quiet" + contrast + " -o " +
                        q(dir / "fit_default"), dir).status, 0);
  ASSERT_EQ(run_cli("fit " + q(dir / "s.h5") + " --max-iter 100 --epsilon 1e-8 --quiet --df satterthwaite" + contrast +
                        " -o " + q(dir / "fit_sat"), dir).status, 0);
  for (const auto& f : kTsvs) EXPECT_EQ(slurp(dir / "fit_default" / f), slurp(dir / "fit_sat" / f)) << f;
  const std::string fit = q(dir / "res" / "fit.h5");  // a fit made with residual df
  ASSERT_EQ(run_cli("test " + fit + contrast + " --quiet -o " + q(dir / "t_default"), dir).status, 0);
  ASSERT_EQ(run_cli("test " + fit + contrast + " --df satterthwaite --quiet -o " + q(dir / "t_sat"), dir).status, 0);
  ASSERT_EQ(run_cli("test " + fit + contrast + " --df residual --quiet -o " + q(dir / "t_res"), dir).status, 0);
  EXPECT_EQ(slurp(dir / "t_default" / "de.tsv"), slurp(dir / "t_sat" / "de.tsv"));
  EXPECT_EQ(slurp(dir / "t_sat" / "de.tsv"), slurp(dir / "default" / "de.tsv"));
  EXPECT_EQ(slurp(dir / "t_res" / "de.tsv"), slurp(dir / "res" / "de.tsv"));
}

// --df residual reproduces FLASHMM's p-values (the fixtures), and the default does not.
TEST(CliResults, ResidualDfEqualsFlashmm) {
  const fs::path dir = work_dir("results_residual");
  ASSERT_EQ(de("--df residual", dir, "res").status, 0);
  ASSERT_EQ(de("", dir, "default").status, 0);
  const auto ref = testing::read_named_matrix(data_path("s1_reml_p.csv"));
  const Tsv res = read_tsv(dir / "res" / "p.tsv"), def = read_tsv(dir / "default" / "p.tsv");
  ASSERT_EQ(res.rows.size(), ref.col_names.size());
  int differ = 0;
  for (std::size_t g = 0; g < res.rows.size(); ++g)
    for (std::size_t r = 0; r < ref.row_names.size(); ++r) {
      const double b = ref.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(g));
      EXPECT_TRUE(testing::near_relative(to_double(res.rows[g][r + 1]), b, 1e-8)) << res.rows[g][0];
      differ += !testing::near_relative(to_double(def.rows[g][r + 1]), b, 1e-6);
    }
  EXPECT_GT(differ, 60);  // the between-sample terms of every gene, at least
}

// mean and nonzero_fraction: computed here from the counts, over s1's 4000 cells.
TEST(CliResults, MeanAndNonzeroFractionOfEachGene) {
  const fs::path dir = work_dir("results_mean");
  ASSERT_EQ(de("", dir, "out").status, 0);
  const auto& s1 = testing::s1();
  const Tsv t = read_tsv(dir / "out" / "de.tsv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"gene", "test", "coef", "se", "t", "df", "p", "fdr", "mean",
                                                "nonzero_fraction", "converged"}));
  const auto cells = static_cast<double>(s1.counts.rows());
  ASSERT_EQ(s1.counts.rows(), 4000);
  std::size_t checked = 0;
  for (const auto& row : t.rows) {
    const auto it = std::find(s1.genes.begin(), s1.genes.end(), row[0]);
    ASSERT_NE(it, s1.genes.end()) << row[0];
    const auto g = static_cast<Eigen::Index>(it - s1.genes.begin());
    double sum = 0, nonzero = 0;
    for (Eigen::Index c = 0; c < s1.counts.rows(); ++c) {
      sum += std::log2(1 + s1.counts(c, g));
      nonzero += s1.counts(c, g) != 0;
    }
    EXPECT_TRUE(testing::near_relative(to_double(row[8]), sum / cells, 1e-12)) << row[0] << " " << row[8];
    EXPECT_EQ(to_double(row[9]), nonzero / cells) << row[0];
    ++checked;
  }
  EXPECT_EQ(checked, 60u * 9u);  // 60 genes x 9 coefficients
}

// top.tsv: de.tsv's rows of the converged genes, sorted by p (ties in de.tsv's order).
TEST(CliResults, TopTableIsDeSortedByP) {
  const fs::path dir = work_dir("results_top");
  ASSERT_EQ(de("--random '~ 0 + batch' --contrast 'BvsA=(cls1:trtB+cls2:trtB)/2' --test 'cls*:trtB'", dir, "out").status, 0);
  const Tsv d = read_tsv(dir / "out" / "de.tsv"), top = read_tsv(dir / "out" / "top.tsv");
  ASSERT_EQ(top.header, d.header);
  std::vector<std::vector<std::string>> expected;
  for (const auto& row : d.rows)
    if (row.back() == "true") expected.push_back(row);
  ASSERT_LT(expected.size(), d.rows.size());  // two components: some genes do not converge with plain scoring
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return to_double(a[6]) < to_double(b[6]); });
  EXPECT_EQ(top.rows, expected);
  for (std::size_t i = 1; i < top.rows.size(); ++i) EXPECT_LE(to_double(top.rows[i - 1][6]), to_double(top.rows[i][6]));
}

TEST(CliResults, ReportedTests) {
  const fs::path dir = work_dir("results_tests");
  const std::vector<std::string> interactions = {"cls1:trtB", "cls2:trtB", "cls3:trtB", "cls4:trtB"};
  // Default: every coefficient (no intercept in this model).
  ASSERT_EQ(de("", dir, "all").status, 0);
  const std::vector<std::string> header = read_tsv(dir / "all" / "coef.tsv").header;
  ASSERT_EQ(header.size(), 10u);
  EXPECT_EQ(tests_of(read_tsv(dir / "all" / "de.tsv")), std::vector<std::string>(header.begin() + 1, header.end()));
  // --nuisance: the terms that involve another variable; the nuisance terms stay in coef.tsv.
  ASSERT_EQ(de("--nuisance libsize cls", dir, "nuisance").status, 0);
  EXPECT_EQ(tests_of(read_tsv(dir / "nuisance" / "de.tsv")), interactions);
  EXPECT_EQ(slurp(dir / "nuisance" / "coef.tsv"), slurp(dir / "all" / "coef.tsv"));
  ASSERT_EQ(de("--nuisance 'log(libsize),cls'", dir, "labels").status, 0);
  EXPECT_EQ(slurp(dir / "labels" / "de.tsv"), slurp(dir / "nuisance" / "de.tsv"));
  // Patterns, and names.
  ASSERT_EQ(de("--test 'cls*:trtB'", dir, "pattern").status, 0);
  EXPECT_EQ(slurp(dir / "pattern" / "de.tsv"), slurp(dir / "nuisance" / "de.tsv"));
  ASSERT_EQ(de("--test 'cls?' 'log(libsize)'", dir, "names").status, 0);
  EXPECT_EQ(tests_of(read_tsv(dir / "names" / "de.tsv")),
            (std::vector<std::string>{"log(libsize)", "cls1", "cls2", "cls3", "cls4"}));
  // Contrasts: alone by default; with --test besides the coefficients, after them.
  ASSERT_EQ(de("--contrast 'd=cls1:trtB - cls2:trtB'", dir, "contrast").status, 0);
  EXPECT_EQ(tests_of(read_tsv(dir / "contrast" / "de.tsv")), (std::vector<std::string>{"d"}));
  ASSERT_EQ(de("--contrast 'd=cls1:trtB - cls2:trtB' --test cls3:trtB", dir, "both").status, 0);
  EXPECT_EQ(tests_of(read_tsv(dir / "both" / "de.tsv")), (std::vector<std::string>{"cls3:trtB", "d"}));
  // The rows of a test are its rows in the full table: the FDR is per test.
  const Tsv all = read_tsv(dir / "all" / "de.tsv"), some = read_tsv(dir / "both" / "de.tsv");
  std::size_t same = 0;
  for (const auto& row : some.rows)
    if (row[1] == "cls3:trtB") same += std::find(all.rows.begin(), all.rows.end(), row) != all.rows.end();
  EXPECT_EQ(same, 60u);
  // An intercept involves no variable: not reported by default.
  ASSERT_EQ(run_cli("de " + kS1 + " --fixed '~ log(libsize) + cls' --random '(1 | sam)' --quiet -o " + q(dir / "icpt"),
                    dir).status, 0);
  EXPECT_EQ(tests_of(read_tsv(dir / "icpt" / "de.tsv")),
            (std::vector<std::string>{"log(libsize)", "cls2", "cls3", "cls4"}));
  // Mistakes name the flag and what there is.
  auto r = de("--test 'clz*'", dir, "bad1");
  EXPECT_EQ(exit_status(r.status), 1);
  EXPECT_TRUE(contains(r.err, "--test 'clz*' matches no coefficient or contrast")) << r.err;
  EXPECT_TRUE(contains(r.err, "cls1:trtB")) << r.err;
  r = de("--nuisance libsiz", dir, "bad2");
  EXPECT_EQ(exit_status(r.status), 1);
  EXPECT_TRUE(contains(r.err, "--nuisance libsiz: not a variable")) << r.err;
  EXPECT_TRUE(contains(r.err, "did you mean `libsize`")) << r.err;
  r = de("--nuisance libsize,cls,trt", dir, "bad3");
  EXPECT_EQ(exit_status(r.status), 1);
  EXPECT_TRUE(contains(r.err, "nothing to report")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "bad3"));
}

TEST(CliResults, ColumnsNoteSaysWhatCoefAndFdrAre) {
  const fs::path dir = work_dir("results_columns");
  ASSERT_EQ(de("--nuisance libsize cls", dir, "out").status, 0);
  const std::string note = slurp(dir / "out" / "columns.txt");
  for (const char* part : {"log2(1 + count)", "log2 fold change", "Benjamini-Hochberg", "over the converged genes",
                           "limma logFC", "AveExpr", "adj.P.Val", "P.Value", "muscat", "Satterthwaite",
                           "Tests: cls1:trtB cls2:trtB cls3:trtB cls4:trtB"})
    EXPECT_TRUE(contains(note, part)) << part << "\n" << note;
}

// On a non-terminal stderr (a batch log): one line per stage, then the summary.
TEST(CliResults, ProgressLinesOnALog) {
  const fs::path dir = work_dir("results_progress");
  const auto r = run_cli("de " + kS1 + kModel + " --device cpu --nuisance libsize cls -o " + q(dir / "out"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "\r")) << r.err;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < r.err.size();) {
    const std::size_t end = r.err.find('\n', at);
    lines.push_back(r.err.substr(at, end - at));
    at = end + 1;
  }
  ASSERT_EQ(lines.size(), 5u) << r.err;
  EXPECT_EQ(lines[0].rfind("reading " + data_path("s1.h5ad") + ": 4000 cells in ", 0), 0u) << lines[0];
  EXPECT_TRUE(contains(lines[0], "4000 cells x 60 genes")) << lines[0];
  EXPECT_EQ(lines[1].rfind("fitting: 60 genes in ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("df: 60 genes in ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("writing " + (dir / "out").string() + ": 12 files in ", 0), 0u) << lines[3];
  EXPECT_FALSE(contains(lines[3], "files/s")) << lines[3];
  // The summary: DE calls per reported test, as de.tsv has them.
  const Tsv d = read_tsv(dir / "out" / "de.tsv");
  std::string expected = "done: 60 genes fitted, 60 converged; DE genes at FDR < 0.05:";
  bool first = true;
  for (const auto& test : tests_of(d)) {
    int calls = 0;
    for (const auto& row : d.rows) calls += row[1] == test && to_double(row[7]) < 0.05;
    expected += (first ? " " : ", ") + test + " " + std::to_string(calls);
    first = false;
  }
  EXPECT_EQ(lines[4], expected);
}

TEST(CliResults, QuietPrintsNothingInAnySubcommand) {
  const fs::path dir = work_dir("results_quiet");
  const std::vector<std::string> commands = {
      "de " + kS1 + kModel + " --quiet -o " + q(dir / "de"),
      "sumstats " + kS1 + kFormulas + " --quiet -o " + q(dir / "s.h5"),
      "fit " + q(dir / "s.h5") + " --quiet -o " + q(dir / "fit"),
      "test " + q(dir / "de" / "fit.h5") + " --contrast 'cls1:trtB - cls2:trtB' --quiet -o " + q(dir / "test"),
      "simulate --genes 10 --cells 500 --samples 4 --quiet -o " + q(dir / "sim.h5ad")};
  for (const auto& c : commands) {
    const auto r = run_cli(c, dir);
    EXPECT_EQ(r.status, 0) << c << "\n" << r.err;
    EXPECT_EQ(r.err, "") << c;
  }
}

TEST(CliResults, HelpOfEachSubcommandHasAnExampleAndItsOutputs) {
  const fs::path dir = work_dir("results_help");
  for (const std::string sub : {"de", "fit", "test", "sumstats", "merge", "simulate", "demo"}) {
    const auto out = dir / (sub + ".txt");
    ASSERT_EQ(run_cli(sub + " --help > " + q(out), dir).status, 0) << sub;
    const std::string help = slurp(out);
    EXPECT_TRUE(contains(help, "Example")) << sub;
    EXPECT_TRUE(contains(help, "Output")) << sub;
    EXPECT_TRUE(contains(help, "Exit status")) << sub;
    if (sub != "demo") EXPECT_TRUE(contains(help, "-o,--out")) << sub << "\n" << help;
  }
  const std::string de_help = slurp(dir / "de.txt");
  for (const char* part : {"de.tsv", "top.tsv", "columns.txt", "gene test coef se t df p fdr mean nonzero_fraction",
                           "or the flag repeated", "--nuisance", "--test", "log2 fold change"})
    EXPECT_TRUE(contains(de_help, part)) << part;
}

TEST(CliResults, UsageErrorsAndHints) {
  const fs::path dir = work_dir("results_usage");
  // A formula the shell split (unquoted): usage error, with the hint to quote it.
  auto r = run_cli("de " + kS1 + " --fixed '~' 0 + cls + cls:trt --random '~ 0 + sam' -o " + q(dir / "a"), dir);
  EXPECT_EQ(exit_status(r.status), 2);
  EXPECT_TRUE(contains(r.err, "hint: quote each formula")) << r.err;
  // test needs its tests.
  r = run_cli("test " + q(dir / "none.h5") + " -o " + q(dir / "b"), dir);
  EXPECT_EQ(exit_status(r.status), 2);
  EXPECT_TRUE(contains(r.err, "--contrast")) << r.err;
  // A flag of the library's options, named as typed.
  for (const std::string flag : {"--genes", "--genes-file"}) {
    r = run_cli("de " + kS1 + kModel + " " + flag + " " + q(data_path("s1_genes.txt")) + " -o " + q(dir / "c"), dir);
    EXPECT_EQ(exit_status(r.status), 1);
    EXPECT_TRUE(contains(r.err, "the " + flag + " option applies only to")) << r.err;
    EXPECT_FALSE(contains(r.err, "genes_file")) << r.err;
  }
}

// The demo reads like a result: every true DE gene, found or missed, with its true effect and the
// estimate on one scale; the false calls; the cut-off; the time taken.
TEST(CliResults, DemoReportsFoundAndMissedAgainstTheTruth) {
  const fs::path dir = work_dir("results_demo");
  const auto r = run_cli("demo --genes 40 --cells 6000 --device cpu --threads 2 > " + q(dir / "report.txt"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string report = slurp(dir / "report.txt");
  int found = 0, missed = 0;
  for (std::size_t at = 0; (at = report.find('\n', at)) != std::string::npos; ++at) {
    const std::string line = report.substr(at + 1, report.find('\n', at + 1) - at - 1);
    if (line.size() > 7 && line.substr(line.size() - 7) == " missed") ++missed;
    if (line.size() > 6 && line.substr(line.size() - 6) == " found") ++found;
  }
  EXPECT_EQ(found + missed, 10) << report;  // the simulation's 10 DE genes, each listed
  EXPECT_TRUE(contains(report, "Result: " + std::to_string(found) + " of 10 true DE genes found, " +
                                   std::to_string(missed) + " missed")) << report;
  for (const char* part : {"log2 fold change", "Cut-off: FDR < 0.05", "Benjamini-Hochberg", "False calls", "Time: simulate"})
    EXPECT_TRUE(contains(report, part)) << part << "\n" << report;
}

}  // namespace
}  // namespace flashmm
#endif
