// Determinism (issue 14): the tables and fit.h5 do not change a byte with --chunk-cells or
// --threads or across reruns; shards cut at multiples of the accumulation block (kCellBlock
// cells) merge to exactly what one pass gives; overlapping shards are refused; every number in
// the tables reads back to the fit's double.
#ifdef FLASHMM_CLI_PATH
#include <flashmm/io/fit_file.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <charconv>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::q;
using testing::read_tsv;
using testing::run_cli;
using testing::slurp;
using testing::work_dir;

const std::string kModel = "--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --quiet";
const std::vector<std::string> kTables = {"coef.tsv",     "se.tsv",    "t.tsv",     "p.tsv", "theta.tsv",
                                          "se_theta.tsv", "dlogL.tsv", "genes.tsv", "de.tsv"};

// 25,000 cells: three accumulation blocks, the last one partial.
const fs::path& input() {
  static const fs::path p = [] {
    static_assert(kCellBlock == 10000, "the shards below are cut at multiples of kCellBlock");
    // Per process: ctest runs the tests of this file in parallel processes.
    const fs::path dir = work_dir("determinism_input_" + std::to_string(::getpid()));
    const auto r = run_cli("simulate --genes 40 --cells 25000 --samples 10 --clusters 4 --de-genes 4 --seed 11 "
                           "--nonzero-fraction 0.4 --quiet --out " + q(dir / "sim.h5ad"),
                           dir);
    if (r.status != 0) throw std::runtime_error(r.err);
    return dir / "sim.h5ad";
  }();
  return p;
}

void expect_same_bytes(const fs::path& a, const fs::path& b, const std::vector<std::string>& files) {
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    const std::string x = slurp(a / f);
    EXPECT_FALSE(x.empty());
    EXPECT_TRUE(x == slurp(b / f)) << a / f << " and " << b / f << " differ";
  }
}

TEST(CliDeterminism, TablesAndFitFileDoNotDependOnChunksOrThreads) {
  const fs::path dir = work_dir("determinism_chunks");
  const std::string de = "de " + q(input()) + " " + kModel;
  ASSERT_EQ(run_cli(de + " --out " + q(dir / "ref"), dir).status, 0);
  std::vector<std::string> with_fit = kTables;
  with_fit.push_back("fit.h5");
  for (const std::string opts : {"--chunk-cells 1", "--chunk-cells 777", "--chunk-cells 20000", "--threads 1",
                                 "--threads 2", "--chunk-cells 777 --threads 2", ""}) {
    SCOPED_TRACE(opts.empty() ? "a rerun" : opts);
    fs::remove_all(dir / "run");
    const auto r = run_cli(de + " " + opts + " --out " + q(dir / "run"), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    expect_same_bytes(dir / "ref", dir / "run", with_fit);
  }
}

// Every HDF5 file we write is the same bytes on a rerun: stats files, and simulate's .h5ad.
TEST(CliDeterminism, HdfFilesAreTheSameBytesOnARerun) {
  const fs::path dir = work_dir("determinism_hdf5");
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(run_cli("sumstats " + q(input()) + " " + kModel + " -o " + q(dir / (std::string(name) + ".h5")), dir).status, 0);
    ASSERT_EQ(run_cli("simulate --genes 30 --cells 3000 --seed 5 --quiet --out " + q(dir / (std::string(name) + ".h5ad")),
                      dir).status,
              0);
  }
  EXPECT_TRUE(slurp(dir / "a.h5") == slurp(dir / "b.h5"));
  EXPECT_TRUE(slurp(dir / "a.h5ad") == slurp(dir / "b.h5ad"));
  EXPECT_FALSE(slurp(dir / "a.h5ad").empty());
}

TEST(CliDeterminism, ShardsOnBlockBoundariesMergeToTheBitsOfOnePass) {
  const fs::path dir = work_dir("determinism_shards");
  ASSERT_EQ(run_cli("de " + q(input()) + " " + kModel + " --out " + q(dir / "de"), dir).status, 0);
  const char* ranges[] = {"1:10000", "10001:20000", "20001:"};
  for (int i = 0; i < 3; ++i) {
    const auto r = run_cli("sumstats " + q(input()) + " " + kModel + " --chunk-cells 333 --cell-range " + ranges[i] +
                               " -o " + q(dir / ("s" + std::to_string(i) + ".h5")),
                           dir);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  const auto s = [&](int i) { return q(dir / ("s" + std::to_string(i) + ".h5")); };
  // In order, and in another order (merging is exact).
  ASSERT_EQ(run_cli("merge " + s(0) + " " + s(1) + " " + s(2) + " -o " + q(dir / "all.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("merge " + s(2) + " " + s(0) + " -o " + q(dir / "p.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("merge " + s(1) + " " + q(dir / "p.h5") + " -o " + q(dir / "all2.h5"), dir).status, 0);
  for (const std::string all : {"all.h5", "all2.h5"}) {
    SCOPED_TRACE(all);
    const auto r = run_cli("fit " + q(dir / all) + " --quiet --out " + q(dir / ("fit_" + all)), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    expect_same_bytes(dir / "de", dir / ("fit_" + all), kTables);
  }
}

TEST(CliDeterminism, MergeRefusesOverlappingShards) {
  const fs::path dir = work_dir("determinism_overlap");
  const std::string ss = "sumstats " + q(input()) + " " + kModel;
  ASSERT_EQ(run_cli(ss + " --cell-range 1:15000 -o " + q(dir / "a.h5"), dir).status, 0);
  ASSERT_EQ(run_cli(ss + " --cell-range 10001: -o " + q(dir / "b.h5"), dir).status, 0);
  auto r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "b.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("overlap"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("10001-15000"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m.h5"));
  // The same file twice.
  r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "a.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("twice"), std::string::npos) << r.err;
  // A copy of the input is the same input.
  fs::copy_file(input(), dir / "copy.h5ad");
  ASSERT_EQ(run_cli("sumstats " + q(dir / "copy.h5ad") + " " + kModel + " --cell-range 15000: -o " + q(dir / "c.h5"), dir).status, 0);
  r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "c.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("15000-15000"), std::string::npos) << r.err;
  // Disjoint shards merge.
  ASSERT_EQ(run_cli(ss + " --cell-range 15001: -o " + q(dir / "d.h5"), dir).status, 0);
  r = run_cli("merge " + q(dir / "a.h5") + " " + q(dir / "d.h5") + " -o " + q(dir / "m.h5"), dir);
  EXPECT_EQ(r.status, 0) << r.err;
}

// Shortest round-trip text: every number of the tables is the fit's double, bit for bit.
TEST(CliDeterminism, TableNumbersReadBackToTheFitsDoubles) {
  const fs::path dir = work_dir("determinism_text");
  ASSERT_EQ(run_cli("de " + q(input()) + " " + kModel + " --out " + q(dir / "de"), dir).status, 0);
  const LmmFit fit = io::read_fit((dir / "de" / "fit.h5").string());
  const std::pair<const char*, const Eigen::MatrixXd*> tables[] = {
      {"coef.tsv", &fit.coef}, {"se.tsv", &fit.se}, {"p.tsv", &fit.p}, {"theta.tsv", &fit.theta}};
  for (const auto& [name, m] : tables) {
    SCOPED_TRACE(name);
    const auto t = read_tsv(dir / "de" / name);
    ASSERT_EQ(static_cast<Index>(t.rows.size()), m->cols());
    for (Index g = 0; g < m->cols(); ++g)
      for (Index r = 0; r < m->rows(); ++r) {
        const std::string& text = t.rows[static_cast<std::size_t>(g)][static_cast<std::size_t>(r) + 1];
        double v = 0;
        const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
        ASSERT_TRUE(res.ec == std::errc() && res.ptr == text.data() + text.size()) << text;
        EXPECT_EQ(v, (*m)(r, g)) << text;
      }
  }
}

}  // namespace
}  // namespace flashmm
#endif
