// The flashmm program end to end: `de` on the s1 fixtures from every input format, its error
// messages, and `simulate` feeding `de`.
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::CliRun;
using testing::read_tsv;
using testing::run_cli;
using testing::slurp;
using testing::to_double;
using testing::Tsv;
using testing::q;
using testing::work_dir;

// FLASHMM's tables: residual df (the program's default is Satterthwaite's, as lmerTest).
const std::string kModel =
    "--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --method reml --max-iter 100 "
    "--epsilon 1e-8 --df residual --quiet";

// Our genes x columns table against a fixture of rows x genes, column c against fixture row c.
void expect_matches(const fs::path& ours_file, const std::string& fixture, bool check_names = true) {
  SCOPED_TRACE(ours_file.string());
  const Tsv ours = read_tsv(ours_file);
  const auto ref = testing::read_named_matrix(data_path(fixture));
  ASSERT_EQ(ours.rows.size(), ref.col_names.size());
  ASSERT_EQ(ours.header.size(), ref.row_names.size() + 1);
  if (check_names)
    for (std::size_t r = 0; r < ref.row_names.size(); ++r) EXPECT_EQ(ours.header[r + 1], ref.row_names[r]);
  for (std::size_t g = 0; g < ours.rows.size(); ++g) {
    ASSERT_EQ(ours.rows[g][0], ref.col_names[g]);
    for (std::size_t r = 0; r < ref.row_names.size(); ++r) {
      const double a = to_double(ours.rows[g][r + 1]);
      const double b = ref.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(g));
      EXPECT_TRUE(testing::near_relative(a, b, 1e-8)) << fixture << " " << ref.col_names[g] << " " << ref.row_names[r]
                                                      << ": " << a << " vs " << b;
    }
  }
}

TEST(CliDe, H5adMatchesFlashmmFixtures) {
  const fs::path dir = work_dir("de_h5ad");
  const fs::path out = dir / "out";
  const CliRun r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModel + " --out " + q(out), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  expect_matches(out / "coef.tsv", "s1_reml_coef.csv");
  expect_matches(out / "se.tsv", "s1_reml_se.csv");
  expect_matches(out / "t.tsv", "s1_reml_t.csv");
  expect_matches(out / "p.tsv", "s1_reml_p.csv");
  expect_matches(out / "theta.tsv", "s1_reml_theta.csv", false);

  const Tsv genes = read_tsv(out / "genes.tsv");
  ASSERT_EQ(genes.header, (std::vector<std::string>{"gene", "niter", "converged", "logLik", "df", "status"}));
  const auto ref = testing::read_csv(data_path("s1_reml_gene.csv"));
  ASSERT_EQ(genes.rows.size(), ref.rows.size());
  for (std::size_t g = 0; g < ref.rows.size(); ++g) {
    EXPECT_EQ(genes.rows[g][0], ref.rows[g][0]);
    EXPECT_EQ(genes.rows[g][1], ref.rows[g][1]) << ref.rows[g][0];
    EXPECT_EQ(genes.rows[g][2], "true");
    EXPECT_EQ(genes.rows[g][5], "converged");
    EXPECT_TRUE(testing::near_relative(to_double(genes.rows[g][3]), std::stod(ref.rows[g][2]), 1e-8));
    EXPECT_EQ(to_double(genes.rows[g][4]), std::stod(ref.rows[g][3]));
  }
  const Tsv de = read_tsv(out / "de.tsv");
  EXPECT_EQ(de.header.size(), 11u);
  EXPECT_EQ(de.rows.size(), genes.rows.size() * (read_tsv(out / "coef.tsv").header.size() - 1));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".flashmm-"), std::string::npos) << e.path();  // no temporaries
  EXPECT_GT(fs::file_size(out / "fit.h5"), 0u);
}

// The file name's suffix is matched without regard to case: S1.H5AD is read, with its obs as
// the metadata, exactly as s1.h5ad.
TEST(CliDe, UpperCaseH5adSuffix) {
  const fs::path dir = work_dir("de_h5ad_upper");
  fs::copy_file(data_path("s1.h5ad"), dir / "S1.H5AD", fs::copy_options::overwrite_existing);
  const CliRun r = run_cli("de " + q(dir / "S1.H5AD") + " " + kModel + " --out " + q(dir / "out"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  expect_matches(dir / "out" / "coef.tsv", "s1_reml_coef.csv");
}

TEST(CliDe, SameResultsFrom10xAndMtx) {
  const fs::path dir = work_dir("de_formats");
  // s1_metadata.csv holds cls as quoted digits: numbers, as R's read.csv reads them.
  const std::string meta = " --metadata " + q(data_path("s1_metadata.csv")) + " --categorical cls ";
  const CliRun a = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModel + " --out " + q(dir / "h5ad"), dir);
  ASSERT_EQ(a.status, 0) << a.err;
  const CliRun b = run_cli("de " + q(data_path("s1_10x")) + " " + kModel + meta + " --out " + q(dir / "tenx"),
                        dir);
  ASSERT_EQ(b.status, 0) << b.err;
  const CliRun c = run_cli("de " + q(data_path("s1_counts.mtx.gz")) + " --genes " + q(data_path("s1_genes.txt")) +
                            " --cells " + q(data_path("s1_cells.txt")) + " " + kModel + meta + " --out " +
                            q(dir / "mtx"),
                        dir);
  ASSERT_EQ(c.status, 0) << c.err;
  for (const char* f : {"coef.tsv", "se.tsv", "t.tsv", "p.tsv", "theta.tsv", "se_theta.tsv", "dlogL.tsv", "genes.tsv",
                        "de.tsv"}) {
    const std::string ref = slurp(dir / "h5ad" / f);
    EXPECT_FALSE(ref.empty()) << f;
    EXPECT_EQ(slurp(dir / "tenx" / f), ref) << f;
    EXPECT_EQ(slurp(dir / "mtx" / f), ref) << f;
  }
}

TEST(CliDe, ContrastsAppearInDeTable) {
  const fs::path dir = work_dir("de_contrast");
  const CliRun r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModel +
                            " --contrast 'd12=cls1:trtB - cls2:trtB' --out " + q(dir / "out"),
                        dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const Tsv de = read_tsv(dir / "out" / "de.tsv");
  int n = 0;
  for (const auto& row : de.rows) n += row[1] == "d12";
  EXPECT_EQ(n, 60);
}

TEST(CliDe, ErrorsNameTheProblem) {
  const fs::path dir = work_dir("de_errors");
  {
    const CliRun r = run_cli("de " + q(dir / "no_such.h5ad") + " " + kModel + " --out " +
                              q(dir / "o1"),
                          dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("no_such.h5ad"), std::string::npos) << r.err;
  }
  {
    const CliRun r = run_cli("de " + q(data_path("s1.h5ad")) +
                              " --fixed '~ 0 + log(libsize) + nosuchcol' --random '~ 0 + sam' --quiet --out " +
                              q(dir / "o2"),
                          dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("nosuchcol"), std::string::npos) << r.err;
  }
  {
    std::ofstream(dir / "a_file") << "x";
    const CliRun r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModel + " --out " + q(dir / "a_file" / "sub"),
                          dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("give --out a folder"), std::string::npos) << r.err;
  }
  {
    // Metadata that lacks the matrix's cells: say how many.
    std::ofstream(dir / "meta.csv") << "cell,sam\nnobody,A1\n";
    const CliRun r = run_cli("de " + q(data_path("s1_10x")) + " " + kModel + " --metadata " + q(dir / "meta.csv") +
                              " --out " + q(dir / "o3"),
                          dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("have no row"), std::string::npos) << r.err;
  }
  {
    // A truncated .h5ad: the first half of s1.h5ad's bytes.
    const std::string whole = slurp(data_path("s1.h5ad"));
    std::ofstream(dir / "cut.h5ad", std::ios::binary) << whole.substr(0, whole.size() / 2);
    const CliRun r = run_cli("de " + q(dir / "cut.h5ad") + " " + kModel + " --out " + q(dir / "o4"),
                             dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("cut.h5ad"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(dir / "o4" / "coef.tsv"));
  }
  {
    // Duplicated cell ids in the metadata.
    const std::string meta = slurp(data_path("s1_metadata.csv"));
    const auto second_line_end = meta.find('\n', meta.find('\n') + 1);
    std::ofstream(dir / "dup.csv") << meta << meta.substr(meta.find('\n') + 1, second_line_end - meta.find('\n'));
    const CliRun r = run_cli("de " + q(data_path("s1_10x")) + " " + kModel + " --metadata " + q(dir / "dup.csv") +
                                 " --out " + q(dir / "o5"),
                             dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Cell1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("dup"), std::string::npos) << r.err;
  }
}

TEST(CliSimulate, H5adThenDe) {
  const fs::path dir = work_dir("simulate");
  const fs::path h5ad = dir / "sim.h5ad";
  const CliRun s = run_cli("simulate --genes 20 --cells 2000 --samples 6 --clusters 11 --de-genes 4 --seed 7 "
                        "--nonzero-fraction 0.5 --quiet --out " + q(h5ad),
                        dir);
  ASSERT_EQ(s.status, 0) << s.err;
  ASSERT_TRUE(fs::exists(h5ad));
  const Tsv truth = read_tsv(dir / "sim.truth.tsv");
  EXPECT_EQ(truth.header, (std::vector<std::string>{"gene", "cluster", "treatment", "beta"}));
  EXPECT_EQ(truth.rows.size(), 4u);
  const CliRun d = run_cli("de " + q(h5ad) + " --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' "
                        "--quiet --out " + q(dir / "de"),
                        dir);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(read_tsv(dir / "de" / "genes.tsv").rows.size(), 20u);

  // A 10x directory with metadata.csv gives the same data, and with --categorical cls the same
  // level order as the .h5ad's categorical (cls1, cls2, ..., cls11: numbers by value, as R's
  // factor() of read.csv's integers), so the same tables.
  const CliRun t = run_cli("simulate --genes 20 --cells 2000 --samples 6 --clusters 11 --de-genes 4 --seed 7 "
                        "--nonzero-fraction 0.5 --quiet --out " + q(dir / "tenx"),
                        dir);
  ASSERT_EQ(t.status, 0) << t.err;
  const CliRun d2 = run_cli("de " + q(dir / "tenx") + " --metadata " + q(dir / "tenx" / "metadata.csv") +
                         " --categorical cls --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --quiet --out " +
                         q(dir / "de2"),
                         dir);
  ASSERT_EQ(d2.status, 0) << d2.err;
  EXPECT_EQ(slurp(dir / "de2" / "coef.tsv"), slurp(dir / "de" / "coef.tsv"));
}

TEST(CliDe, LibsizeComputedWhenMetadataLacksIt) {
  const fs::path dir = work_dir("de_libsize");
  // s1_metadata.csv without libsize: de computes the totals from the counts. (s1's own libsize
  // is not the total of its 60 genes, so the fit differs from the fixtures; it must run.)
  // Every remaining field is quoted, so cls needs --categorical to stay a factor.
  {
    std::ifstream in(data_path("s1_metadata.csv"));
    std::ofstream out(dir / "meta.csv");
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      std::string x;
      while (std::getline(ss, x, ',')) f.push_back(x);
      out << f[0] << "," << f[1] << "," << f[2] << "," << f[3] << "\n";
    }
  }
  const CliRun r = run_cli("de " + q(data_path("s1_10x")) + " " + kModel + " --categorical cls --metadata " +
                            q(dir / "meta.csv") + " --out " + q(dir / "out"),
                        dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_tsv(dir / "out" / "genes.tsv").rows.size(), 60u);
  const CliRun n = run_cli("de " + q(data_path("s1_10x")) +
                               " --fixed '~ 0 + log(nfeatures) + cls' --random '~ 0 + sam' --quiet --categorical cls "
                               "--metadata " + q(dir / "meta.csv") + " --out " + q(dir / "nf"),
                           dir);
  ASSERT_EQ(n.status, 0) << n.err;
  EXPECT_EQ(read_tsv(dir / "nf" / "coef.tsv").header[1], "log(nfeatures)");
}

}  // namespace
}  // namespace flashmm
#endif
