// The model options as R and scanpy users write them, end to end (issues 15.2-15.5, 14.10,
// 14.15, 14.17-14.19, 14.21): lme4 bar terms, --subset, the numeric-label hint, one pass over
// the cells, options with several values, range errors in words and metadata delimiters.
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include <flashmm/io/h5ad.hpp>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::data_path;
using testing::q;
using testing::run_cli;
using testing::slurp;
using testing::work_dir;

const std::string kS1 = q(data_path("s1.h5ad"));
const std::string kFixed = "--fixed '~ 0 + log(libsize) + cls + cls:trt'";
const std::vector<std::string> kTables = {"coef.tsv", "se.tsv", "t.tsv", "p.tsv", "theta.tsv", "genes.tsv", "de.tsv"};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every table of two result folders, byte for byte.
void expect_same_tables(const fs::path& a, const fs::path& b) {
  for (const auto& t : kTables) EXPECT_EQ(slurp(a / t), slurp(b / t)) << t << ": " << a << " vs " << b;
}

CliRun de(const std::string& args, const fs::path& dir, const std::string& out) {
  return run_cli("de " + args + " --quiet --out " + q(dir / out), dir);
}

TEST(CliModelOptions, BarTermsGiveTheTablesOfRandomFormulas) {
  const fs::path dir = work_dir("cli_bars");
  ASSERT_EQ(de(kS1 + " " + kFixed + " --random '~ 0 + sam'", dir, "plain").status, 0);
  const CliRun in_fixed = de(kS1 + " --fixed '~ 0 + log(libsize) + cls + cls:trt + (1 | sam)'", dir, "fixed");
  ASSERT_EQ(in_fixed.status, 0) << in_fixed.err;
  expect_same_tables(dir / "plain", dir / "fixed");
  ASSERT_EQ(de(kS1 + " " + kFixed + " --random '(1|sam)'", dir, "random").status, 0);
  expect_same_tables(dir / "plain", dir / "random");

  // Two components: one lme4 formula, two values after one flag, or the flag twice.
  ASSERT_EQ(de(kS1 + " " + kFixed + " --random '~ 0 + sam' --random '~ 0 + batch'", dir, "two").status, 0);
  const CliRun bars = de(kS1 + " " + kFixed + " --random '(1 | sam) + (1 | batch)'", dir, "two_bars");
  ASSERT_EQ(bars.status, 0) << bars.err;
  expect_same_tables(dir / "two", dir / "two_bars");
  const CliRun values = de(kS1 + " " + kFixed + " --random '~ 0 + sam' '~ 0 + batch'", dir, "two_values");
  ASSERT_EQ(values.status, 0) << values.err;
  expect_same_tables(dir / "two", dir / "two_values");
  EXPECT_EQ(testing::read_tsv(dir / "two_bars" / "theta.tsv").header,
            (std::vector<std::string>{"gene", "sam", "batch", "residual"}));
}

TEST(CliModelOptions, RandomFormulasThatDoNotMeanWhatTheySayAreRefused) {
  const fs::path dir = work_dir("cli_bars_refused");
  CliRun r = de(kS1 + " " + kFixed + " --random '~ sam'", dir, "o1");
  EXPECT_EQ(r.status, 256);  // exit status 1: bad input
  EXPECT_TRUE(contains(r.err, "`~ 0 + sam` or `(1 | sam)`")) << r.err;
  EXPECT_TRUE(contains(r.err, "`~ 1 + sam`")) << r.err;
  r = de(kS1 + " " + kFixed + " --random '(1 + age | sam)'", dir, "o2");
  EXPECT_EQ(r.status, 256);
  EXPECT_TRUE(contains(r.err, "write (1 | sam) + (0 + age | sam)")) << r.err;
  r = de(kS1 + " " + kFixed, dir, "o3");
  EXPECT_EQ(r.status, 256);
  EXPECT_TRUE(contains(r.err, "no random component: give --random '~ 0 + sam' or a term (1 | sam) in --fixed")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o1" / "coef.tsv"));
}

// --subset gives the tables of the same cells written as an input of their own (issue 15.5).
TEST(CliModelOptions, SubsetGivesTheTablesOfThePrefilteredData) {
  const fs::path dir = work_dir("cli_subset");
  const Metadata obs = io::read_h5ad_obs(data_path("s1.h5ad"));
  const MetadataColumn& cls = *obs.find("cls");
  const MetadataColumn& batch = *obs.find("batch");
  std::vector<Index> keep;
  for (Index c = 0; c < obs.n_cells(); ++c) {
    const auto i = static_cast<std::size_t>(c);
    const std::string& k = cls.levels[static_cast<std::size_t>(cls.codes[i])];
    const std::string& b = batch.levels[static_cast<std::size_t>(batch.codes[i])];
    if ((k == "2" || k == "3") && b != "b0") keep.push_back(c);
  }
  Metadata sub;
  for (Index c : keep) sub.cell_ids.push_back(obs.cell_ids[static_cast<std::size_t>(c)]);
  for (const auto& col : obs.columns) {
    MetadataColumn s = col;
    s.codes.clear();
    s.numbers.clear();
    for (Index c : keep) {
      if (!col.codes.empty()) s.codes.push_back(col.codes[static_cast<std::size_t>(c)]);
      if (!col.numbers.empty()) s.numbers.push_back(col.numbers[static_cast<std::size_t>(c)]);
    }
    sub.columns.push_back(std::move(s));
  }
  const auto& y = testing::s1().counts;
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  for (Index c : keep) {
    for (Index g = 0; g < y.cols(); ++g)
      if (y(c, g) != 0) {
        indices.push_back(static_cast<std::int32_t>(g));
        values.push_back(y(c, g));
      }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  CsrView<double> counts;
  counts.rows = static_cast<Index>(keep.size());
  counts.cols = y.cols();
  counts.indptr = indptr;
  counts.indices = indices;
  counts.values = values;
  io::write_h5ad((dir / "sub.h5ad").string(), counts, testing::s1().genes, sub);

  const std::string model = " --fixed '~ 0 + log(libsize) + cls + trt' --random '(1 | sam)'";
  const CliRun a = run_cli("de " + kS1 + model + " --subset 'cls %in% c(\"2\", \"3\") & batch != \"b0\"' --out " +
                               q(dir / "subset"),
                           dir);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_TRUE(contains(a.err, "note: --subset keeps " + std::to_string(keep.size()) + " of 4000 cells")) << a.err;
  ASSERT_EQ(de(q(dir / "sub.h5ad") + model, dir, "prefiltered").status, 0);
  expect_same_tables(dir / "subset", dir / "prefiltered");
  EXPECT_EQ(testing::read_tsv(dir / "subset" / "coef.tsv").header,
            (std::vector<std::string>{"gene", "log(libsize)", "cls2", "cls3", "trtB"}));

  const CliRun none = de(kS1 + model + " --subset 'cls == \"7\"'", dir, "none");
  EXPECT_EQ(none.status, 256);
  EXPECT_TRUE(contains(none.err, "selects none of the 4000 cells; no cell has `cls` \"7\" (its values: \"1\", \"2\", "
                                 "\"3\", \"4\")"))
      << none.err;
}

// Cluster ids read as numbers (a CSV's quoted digits, as R's read.csv reads them) are noticed
// (issues 15.4, 14.10).
TEST(CliModelOptions, NumbersThatLookLikeLabelsGetTheCategoricalHint) {
  const fs::path dir = work_dir("cli_numeric_labels");
  const std::string tenx = q(data_path("s1_10x")) + " --metadata " + q(data_path("s1_metadata.csv"));
  CliRun r = run_cli("de " + tenx + " --fixed '~ 0 + log(libsize) + cls + trt' --random '(1 | sam)' --out " + q(dir / "o1"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warning: `cls` is numeric with 4 distinct whole-number values (1, 2, 3, 4)")) << r.err;
  EXPECT_TRUE(contains(r.err, "note: --categorical cls reads `cls` as categorical")) << r.err;
  // With cls:trt the design is singular; the message does not suggest '0 +' to a formula that has it.
  r = run_cli("de " + tenx + " " + kFixed + " --random '(1 | sam)' --out " + q(dir / "o2"), dir);
  EXPECT_EQ(r.status, 256);
  EXPECT_TRUE(contains(r.err, "'cls', 'cls:trtA', 'cls:trtB'")) << r.err;
  EXPECT_FALSE(contains(r.err, "with '0 +'")) << r.err;
  EXPECT_TRUE(contains(r.err, "numeric column among them holds labels (cluster ids), make it categorical")) << r.err;
  EXPECT_TRUE(contains(r.err, "--categorical cls")) << r.err;
  // --categorical cls: the fixtures' model, with no hint.
  r = run_cli("de " + tenx + " --categorical cls " + kFixed + " --random '(1 | sam)' --out " + q(dir / "o3"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "whole-number")) << r.err;
}

// log(libsize) on an input without libsize reads the data once; scale(libsize) twice, and says why
// (issue 11.4).
TEST(CliModelOptions, CellTotalsAreComputedInTheOnePassWherePossible) {
  const fs::path dir = work_dir("cli_one_pass");
  {
    std::ifstream in(data_path("s1_metadata.csv"));
    std::ofstream out(dir / "meta.csv");
    std::string line;
    while (std::getline(in, line)) {  // "cell","sam","cls","trt","libsize","batch","age": drop libsize
      std::vector<std::string> f;
      std::stringstream ss(line);
      std::string x;
      while (std::getline(ss, x, ',')) f.push_back(x);
      out << f[0] << "," << f[1] << "," << f[2] << "," << f[3] << "," << f[5] << "," << f[6] << "\n";
    }
  }
  const std::string input = q(data_path("s1_10x")) + " --metadata " + q(dir / "meta.csv") + " --categorical cls ";
  CliRun r = run_cli("de " + input + " --fixed '~ 0 + log(libsize) + log(nfeatures) + cls' --random '(1 | sam)' --out " +
                         q(dir / "once"),
                     dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "first pass")) << r.err;
  EXPECT_FALSE(contains(r.err, "twice")) << r.err;
  EXPECT_TRUE(contains(r.err, "reading ")) << r.err;
  r = run_cli("de " + input + " --fixed '~ 0 + scale(libsize) + cls' --random '(1 | sam)' --out " + q(dir / "twice"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "note: reading the data twice: the cell totals of every cell are needed before the model "
                              "is built, by `scale(libsize)`"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "computing libsize (a first pass over the data)")) << r.err;
}

// Options with several values take them after one flag or one a flag, the same (issue 14.17).
TEST(CliModelOptions, SeveralValuesAfterOneFlagOrTheFlagRepeated) {
  const fs::path dir = work_dir("cli_values");
  const std::string model = kS1 + " " + kFixed + " --random '(1 | sam)' ";
  ASSERT_EQ(de(model + "--contrast 'a=cls1:trtB-cls2:trtB' --contrast 'b=cls3:trtB' --theta0 0.1,0.5", dir, "r").status, 0);
  const CliRun v = de(model + "--contrast 'a=cls1:trtB-cls2:trtB' 'b=cls3:trtB' --theta0 0.1 0.5", dir, "v");
  ASSERT_EQ(v.status, 0) << v.err;
  expect_same_tables(dir / "r", dir / "v");
  const CliRun c = de(model + "--categorical cls trt --contrast cls1", dir, "c");
  ASSERT_EQ(c.status, 0) << c.err;
  // --contrast cls1 is the coefficient's own test, already a row: no second row of that name.
  const auto rows = testing::read_tsv(dir / "c" / "de.tsv").rows;
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(), [](const auto& row) { return row.size() > 1 && row[0] == "Gene1" && row[1] == "cls1"; }), 1);
}

TEST(CliModelOptions, RangeErrorsSayTheRangeInWords) {
  const fs::path dir = work_dir("cli_ranges");
  const std::string model = kS1 + " " + kFixed + " --random '(1 | sam)' ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--chunk-cells 0", "--chunk-cells: expected a whole number >= 1, got '0'"},
      {"--threads -1", "--threads: expected a whole number >= 0, got '-1'"},
      {"--max-iter -3", "--max-iter: expected a whole number >= 1, got '-3'"},
      {"--max-iter 1.5", "--max-iter: expected a whole number >= 1, got '1.5'"},
      {"--epsilon 0", "--epsilon: expected a number > 0, got '0'"},
  };
  for (const auto& [args, message] : cases) {
    const CliRun r = de(model + args, dir, "o");
    EXPECT_EQ(r.status, 512) << args;  // exit status 2: a usage error
    EXPECT_TRUE(contains(r.err, message)) << args << ": " << r.err;
    EXPECT_LT(r.err.size(), 400u) << r.err;  // no 309-digit bound
  }
  const CliRun s = run_cli("simulate --chunk-cells 0 --out " + q(dir / "s.h5ad"), dir);
  EXPECT_TRUE(contains(s.err, "--chunk-cells: expected a whole number >= 1, got '0'")) << s.err;
}

TEST(CliModelOptions, DeepNestingIsAnErrorNotACrash) {
  const fs::path dir = work_dir("cli_depth");
  const std::string deep = std::string(10000, '(') + "cls" + std::string(10000, ')');
  const CliRun f = de(kS1 + " --fixed '~ " + deep + "' --random '(1 | sam)'", dir, "o1");
  EXPECT_EQ(f.status, 256);
  EXPECT_TRUE(contains(f.err, "nested too deeply")) << f.err.substr(0, 300);
  const CliRun c = de(kS1 + " " + kFixed + " --random '(1 | sam)' --contrast '" + std::string(10000, '-') + "cls1'", dir, "o2");
  EXPECT_EQ(c.status, 256);
  EXPECT_TRUE(contains(c.err, "nested too deeply")) << c.err.substr(0, 300);
}

TEST(CliModelOptions, MetadataWithAnotherDelimiter) {
  const fs::path dir = work_dir("cli_metadata_sep");
  {
    std::ifstream in(data_path("s1_metadata.csv"));
    std::ofstream out(dir / "semi.csv");
    std::string line;
    while (std::getline(in, line)) {
      for (char& ch : line)
        if (ch == ',') ch = ';';
      out << line << "\n";
    }
  }
  const std::string tenx = q(data_path("s1_10x")) + " --categorical cls " + kFixed + " --random '(1 | sam)'";
  const CliRun bad = de(tenx + " --metadata " + q(dir / "semi.csv"), dir, "bad");
  EXPECT_EQ(bad.status, 256);
  EXPECT_TRUE(contains(bad.err, "which holds ';': the file seems to be separated by ';', not ','")) << bad.err;
  const CliRun good = de(tenx + " --metadata " + q(dir / "semi.csv") + " --metadata-sep ';'", dir, "good");
  ASSERT_EQ(good.status, 0) << good.err;
  ASSERT_EQ(de(tenx + " --metadata " + q(data_path("s1_metadata.csv")), dir, "comma").status, 0);
  expect_same_tables(dir / "good", dir / "comma");
}

// Rows of the genes a table holds for `genes`, keyed by their first field, in file order.
std::vector<std::string> rows_of(const fs::path& table, const std::vector<std::string>& genes) {
  std::vector<std::string> out;
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);
  out.push_back(line);  // the header
  while (std::getline(in, line))
    if (std::find(genes.begin(), genes.end(), line.substr(0, line.find('\t'))) != genes.end()) out.push_back(line);
  return out;
}

// The rows of `genes` in two tables, byte for byte: a gene's numbers do not depend on the other
// genes of the input (host/util/columnwise.hpp).
void expect_rows_equal(const fs::path& a, const fs::path& b, const std::vector<std::string>& genes) {
  const auto a_rows = rows_of(a, genes), b_rows = rows_of(b, genes);
  ASSERT_GE(a_rows.size(), genes.size() + 1) << a;  // de.tsv: a row per gene and test
  EXPECT_EQ(a_rows, b_rows) << a << " vs " << b;
}

// --gene-list fits the listed genes as an input of those genes alone would (issue 15.5); the
// others are in the tables with status filtered, out of the FDR.
TEST(CliModelOptions, GeneListGivesTheTablesOfThePrefilteredData) {
  const fs::path dir = work_dir("cli_gene_list");
  const std::vector<std::string> listed = {"Gene3", "Gene7", "Gene10", "Gene42"};
  std::ofstream(dir / "genes.txt") << "Gene3\nGene7\r\nGene10\tcomment\n\nGene42\nNotAGene\n";
  const auto& s1 = testing::s1();
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  std::vector<Index> columns;
  for (const auto& g : listed)
    columns.push_back(std::find(s1.genes.begin(), s1.genes.end(), g) - s1.genes.begin());
  for (Index c = 0; c < s1.counts.rows(); ++c) {
    for (std::size_t k = 0; k < columns.size(); ++k)
      if (s1.counts(c, columns[k]) != 0) {
        indices.push_back(static_cast<std::int32_t>(k));
        values.push_back(s1.counts(c, columns[k]));
      }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  CsrView<double> counts;
  counts.rows = s1.counts.rows();
  counts.cols = static_cast<Index>(listed.size());
  counts.indptr = indptr;
  counts.indices = indices;
  counts.values = values;
  io::write_h5ad((dir / "four.h5ad").string(), counts, listed, io::read_h5ad_obs(data_path("s1.h5ad")));

  const std::string model = " " + kFixed + " --random '(1 | sam)'";
  const CliRun a = run_cli("de " + kS1 + model + " --gene-list " + q(dir / "genes.txt") + " --out " + q(dir / "list"), dir);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_TRUE(contains(a.err, "--gene-list: 4 of the 60 genes are listed")) << a.err;
  EXPECT_TRUE(contains(a.err, "1 listed names are no gene of the input ('NotAGene')")) << a.err;
  ASSERT_EQ(de(q(dir / "four.h5ad") + model, dir, "four").status, 0);
  for (const auto& t : kTables) expect_rows_equal(dir / "list" / t, dir / "four" / t, listed);
  const auto genes = testing::read_tsv(dir / "list" / "genes.tsv");
  ASSERT_EQ(genes.rows.size(), 60u);
  EXPECT_EQ(genes.rows[0].back(), "filtered");  // Gene1
  EXPECT_EQ(genes.rows[2].back(), "converged");  // Gene3

  std::ofstream(dir / "none.txt") << "CD3E\nMS4A1\n";
  const CliRun none = de(kS1 + model + " --gene-list " + q(dir / "none.txt"), dir, "none");
  EXPECT_EQ(none.status, 256);
  EXPECT_TRUE(contains(none.err, "none of its 2 names is a gene of the input (e.g. 'CD3E', 'MS4A1'; the input's genes are "
                                 "'Gene1', 'Gene2', 'Gene3', ...)"))
      << none.err;
}

// s1's genes `genes` (indices) as an .h5ad, where a gene in `rare` has a count in only that many
// cells (the first ones).
void write_genes(const fs::path& path, const std::vector<Index>& genes, const std::map<Index, Index>& rare) {
  const auto& s1 = testing::s1();
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<double> values;
  for (Index c = 0; c < s1.counts.rows(); ++c) {
    for (std::size_t k = 0; k < genes.size(); ++k) {
      const auto it = rare.find(genes[k]);
      const double v = it != rare.end() ? (c < it->second ? 3.0 : 0.0) : s1.counts(c, genes[k]);
      if (v != 0) {
        indices.push_back(static_cast<std::int32_t>(k));
        values.push_back(v);
      }
    }
    indptr.push_back(static_cast<std::int64_t>(values.size()));
  }
  CsrView<double> counts;
  counts.rows = s1.counts.rows();
  counts.cols = static_cast<Index>(genes.size());
  counts.indptr = indptr;
  counts.indices = indices;
  counts.values = values;
  std::vector<std::string> names;
  for (Index g : genes) names.push_back(s1.genes[static_cast<std::size_t>(g)]);
  io::write_h5ad(path.string(), counts, names, io::read_h5ad_obs(data_path("s1.h5ad")));
}

// --min-cells (default 3) and --min-fraction leave out genes seen in too few cells (issue 15.5).
TEST(CliModelOptions, GenesInTooFewCellsAreFiltered) {
  const fs::path dir = work_dir("cli_min_cells");
  // Gene1 in 2 cells, Gene2 in 5, Gene3..Gene10 as in s1; and Gene3..Gene10 alone.
  write_genes(dir / "rare.h5ad", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {{0, 2}, {1, 5}});
  write_genes(dir / "eight.h5ad", {2, 3, 4, 5, 6, 7, 8, 9}, {});
  const std::string model = q(dir / "rare.h5ad") + " " + kFixed + " --random '(1 | sam)'";
  const CliRun by_default = run_cli("de " + model + " --out " + q(dir / "default"), dir);
  ASSERT_EQ(by_default.status, 0) << by_default.err;
  auto status_of = [&](const std::string& out) {
    std::vector<std::string> s;
    for (const auto& row : testing::read_tsv(dir / out / "genes.tsv").rows) s.push_back(row.back());
    return s;
  };
  ASSERT_EQ(status_of("default")[0], "filtered");
  EXPECT_TRUE(contains(by_default.err, "1 of 10 genes have a nonzero value in fewer than 3 of the 4000 cells")) << by_default.err;
  EXPECT_EQ(status_of("default")[1], "converged");
  ASSERT_EQ(de(model + " --min-cells 6", dir, "six").status, 0);
  EXPECT_EQ(status_of("six")[0], "filtered");
  EXPECT_EQ(status_of("six")[1], "filtered");
  EXPECT_EQ(status_of("six")[2], "converged");
  ASSERT_EQ(de(model + " --min-cells 0 --min-fraction 0.001", dir, "fraction").status, 0);  // 4 of 4000 cells
  EXPECT_EQ(status_of("fraction")[0], "filtered");
  EXPECT_EQ(status_of("fraction")[1], "converged");
  ASSERT_EQ(de(model + " --min-cells 0", dir, "all").status, 0);
  EXPECT_NE(status_of("all")[0], "filtered");
  // The genes kept are fitted as the pre-filtered data, FDR included (the filtered are out of it).
  ASSERT_EQ(de(q(dir / "eight.h5ad") + " " + kFixed + " --random '(1 | sam)' --min-cells 0", dir, "eight").status, 0);
  const std::vector<std::string> kept = {"Gene3", "Gene4", "Gene5", "Gene6", "Gene7", "Gene8", "Gene9", "Gene10"};
  for (const auto& t : kTables) expect_rows_equal(dir / "six" / t, dir / "eight" / t, kept);
}

// `test` follows de's rule for contrast names (issue 14.21).
TEST(CliModelOptions, TestAndDeShareTheContrastRules) {
  const fs::path dir = work_dir("cli_test_rules");
  ASSERT_EQ(de(kS1 + " " + kFixed + " --random '(1 | sam)'", dir, "fit").status, 0);
  const std::string fit = q(dir / "fit" / "fit.h5");
  CliRun r = run_cli("test " + fit + " --contrast 'cls1=cls2-cls3' --out " + q(dir / "t1"), dir);
  EXPECT_EQ(r.status, 256);
  EXPECT_TRUE(contains(r.err, "its name 'cls1' is also a coefficient's name")) << r.err;
  r = run_cli("de " + kS1 + " " + kFixed + " --random '(1 | sam)' --quiet --contrast 'cls1=cls2-cls3' --out " + q(dir / "d1"), dir);
  EXPECT_EQ(r.status, 256);
  EXPECT_TRUE(contains(r.err, "its name 'cls1' is also a coefficient's name")) << r.err;
  for (const std::string& zero : {"cls1-cls1", "0*cls1"}) {
    r = run_cli("test " + fit + " --contrast '" + zero + "' --out " + q(dir / "t2"), dir);
    EXPECT_EQ(r.status, 256);
    EXPECT_TRUE(contains(r.err, "every weight is zero")) << r.err;
  }
  r = run_cli("test " + fit + " --contrast cls1 'AvB=cls1:trtB-cls2:trtB' --out " + q(dir / "t3"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace flashmm
#endif
