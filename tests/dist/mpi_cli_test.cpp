// The program under mpirun (issue 18): `de`, `sumstats` and `fit` across 1, 2 and 3 ranks give
// every table and fit.h5 byte for byte as one process (the cells are shared out in whole
// accumulation blocks and their exact sums reduced, the genes' fits do not depend on each
// other), the same on a rerun; faults end every rank within seconds with the message of the
// rank that saw it and no results left. Skipped where MPI was not found at build time.
#if defined(FLASHMM_CLI_PATH)
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::q;
using testing::run_cli;
using testing::slurp;
using testing::work_dir;

const std::string kModel = "--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --quiet --threads 1";
const std::vector<std::string> kSet = {"coef.tsv", "se.tsv",    "t.tsv",     "p.tsv",  "theta.tsv", "se_theta.tsv",
                                       "dlogL.tsv", "genes.tsv", "de.tsv",    "fit.h5"};

#ifdef FLASHMM_MPIEXEC
#define SKIP_WITHOUT_MPI()
// As root (CI, containers) Open MPI needs to be told; 3 ranks on 2 cores need oversubscription.
const std::string kLauncher = std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 '") +
                              FLASHMM_MPIEXEC + "' --oversubscribe --bind-to none";
#else
#define SKIP_WITHOUT_MPI() GTEST_SKIP() << "MPI was not found when flashmm was built (FLASHMM_MPI; scripts/install-deps)"
const std::string kLauncher;
#endif

struct Timed {
  testing::CliRun run;
  double seconds;
};

// `flashmm ARGS` on `ranks` ranks, stderr captured.
Timed mpirun(int ranks, const std::string& args, const fs::path& dir) {
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = kLauncher + " -n " + std::to_string(ranks) + " '" + FLASHMM_CLI_PATH + "' " + args + " 2> '" +
                          err.string() + "'";
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {{rc, slurp(err)}, s};
}

void expect_same_bytes(const fs::path& a, const fs::path& b, const std::vector<std::string>& files) {
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    const std::string x = slurp(a / f);
    EXPECT_FALSE(x.empty()) << a / f;
    EXPECT_TRUE(x == slurp(b / f)) << a / f << " and " << b / f << " differ";
  }
}

void expect_no_results(const fs::path& out) {
  for (const char* f : {"genes.tsv", "de.tsv", "coef.tsv", "fit.h5"}) EXPECT_FALSE(fs::exists(out / f)) << out / f;
  // Nor a temporary folder beside it that holds them.
  for (const auto& e : fs::directory_iterator(out.parent_path()))
    if (e.is_directory() && e.path().filename().string().find(".flashmm-") != std::string::npos)
      EXPECT_FALSE(fs::exists(e.path() / "genes.tsv")) << e.path();
}

// `de` (without --out) as one process into dir/one, then on 1, 2 and 3 ranks into dir/nN: every
// table and fit.h5 the same bytes.
void expect_ranks_write_one_process_bytes(const std::string& de, const fs::path& dir) {
  const auto one = run_cli(de + " --out " + q(dir / "one"), dir);
  ASSERT_EQ(one.status, 0) << one.err;
  for (int n : {1, 2, 3}) {
    SCOPED_TRACE(std::to_string(n) + " ranks");
    const fs::path out = dir / ("n" + std::to_string(n));
    const Timed r = mpirun(n, de + " --out " + q(out), dir);
    ASSERT_EQ(r.run.status, 0) << r.run.err;
    expect_same_bytes(dir / "one", out, kSet);
  }
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(MpiCli, S1TablesAndFitFileEqualOneProcessOn1To3Ranks) {
  SKIP_WITHOUT_MPI();
  const fs::path dir = work_dir("mpi_s1");
  const std::string de = "de " + q(data_path("s1.h5ad")) + " " + kModel +
                         " --df satterthwaite --contrast 'BvsA=(cls1:trtB+cls2:trtB)/2'";
  expect_ranks_write_one_process_bytes(de, dir);
  // sumstats across ranks writes the one-process file; fit across ranks fits it alike.
  ASSERT_EQ(run_cli("sumstats " + q(data_path("s1.h5ad")) + " " + kModel + " -o " + q(dir / "one.h5"), dir).status, 0);
  const Timed s = mpirun(3, "sumstats " + q(data_path("s1.h5ad")) + " " + kModel + " -o " + q(dir / "n3.h5"), dir);
  ASSERT_EQ(s.run.status, 0) << s.run.err;
  EXPECT_TRUE(slurp(dir / "one.h5") == slurp(dir / "n3.h5"));
  ASSERT_EQ(run_cli("fit " + q(dir / "one.h5") + " --quiet --threads 1 --out " + q(dir / "fit1"), dir).status, 0);
  const Timed f = mpirun(2, "fit " + q(dir / "one.h5") + " --quiet --threads 1 --out " + q(dir / "fit2"), dir);
  ASSERT_EQ(f.run.status, 0) << f.run.err;
  expect_same_bytes(dir / "fit1", dir / "fit2", kSet);
}

// 2,000 genes x 100,000 cells: ten accumulation blocks shared out 10, 5 + 5 and 3 + 3 + 4.
TEST(MpiCli, SimulatedTablesEqualOneProcessAndRepeatOn1To3Ranks) {
  SKIP_WITHOUT_MPI();
  const fs::path dir = work_dir("mpi_sim");
  const fs::path sim = dir / "sim.h5ad";
  ASSERT_EQ(run_cli("simulate --genes 2000 --cells 100000 --samples 20 --clusters 4 --de-genes 20 --seed 18 --quiet "
                    "--out " + q(sim), dir).status, 0);
  const std::string de = "de " + q(sim) + " " + kModel + " --contrast 'BvsA=cls2:trtB-cls1:trtB'";
  expect_ranks_write_one_process_bytes(de, dir);
  const Timed again = mpirun(3, de + " --out " + q(dir / "n3_again"), dir);
  ASSERT_EQ(again.run.status, 0) << again.run.err;
  expect_same_bytes(dir / "n3", dir / "n3_again", kSet);
}

// 30,000 cells in .mtx with a negative value (not a count) in cell 25,001, which rank 2 of 3 reads.
TEST(MpiCli, ABadValueOnOneRankEndsEveryRankWithItsMessage) {
  SKIP_WITHOUT_MPI();
  const fs::path dir = work_dir("mpi_bad_value");
  const int cells = 30000, genes = 4;
  {
    std::ofstream m(dir / "m.mtx"), g(dir / "genes.txt"), c(dir / "cells.txt"), meta(dir / "meta.csv");
    m << "%%MatrixMarket matrix coordinate real general\n" << genes << " " << cells << " " << cells << "\n";
    meta << "cell,sam,cls,trt,libsize\n";
    for (int i = 1; i <= cells; ++i) {
      m << 1 + i % genes << " " << i << " " << (i == 25001 ? "-3" : std::to_string(1 + i % 7)) << "\n";
      c << "c" << i << "\n";
      meta << "c" << i << ",s" << i % 6 << ",k" << i % 2 << ",t" << (i / 2) % 2 << "," << 100 + i % 13 << "\n";
    }
    for (int k = 1; k <= genes; ++k) g << "g" << k << "\n";
  }
  const std::string args = "de " + q(dir / "m.mtx") + " --genes " + q(dir / "genes.txt") + " --cells " +
                           q(dir / "cells.txt") + " --metadata " + q(dir / "meta.csv") +
                           " --fixed '~ 0 + log(libsize) + cls' --random '~ 0 + sam' --quiet --threads 1 --out " +
                           q(dir / "out");
  const Timed r = mpirun(3, args, dir);
  EXPECT_NE(r.run.status, 0);
  EXPECT_LT(r.seconds, 30.0);
  EXPECT_NE(r.run.err.find("-3 of gene 'g2' in cell 25001 is negative"), std::string::npos) << r.run.err;
  EXPECT_NE(r.run.err.find("rank 2 of 3"), std::string::npos) << r.run.err;
  EXPECT_EQ(count(r.run.err, "error: "), 1) << r.run.err;
  expect_no_results(dir / "out");
}

// A mistake every rank sees (a column the metadata lacks) is agreed before any heavy work and
// reported once, by rank 0, with the single-process status.
TEST(MpiCli, AnErrorEveryRankSeesIsReportedOnce) {
  SKIP_WITHOUT_MPI();
  const fs::path dir = work_dir("mpi_agreed_error");
  const std::string args = "de " + q(data_path("s1.h5ad")) +
                           " --fixed '~ 0 + clss' --random '~ 0 + sam' --quiet --out " + q(dir / "out");
  const auto one = run_cli(args, dir);
  const Timed r = mpirun(3, args, dir);
  EXPECT_EQ(WEXITSTATUS(r.run.status), WEXITSTATUS(one.status));
  EXPECT_NE(WEXITSTATUS(r.run.status), 0);
  EXPECT_EQ(count(r.run.err, "error: "), 1) << r.run.err;
  EXPECT_NE(r.run.err.find("clss"), std::string::npos) << r.run.err;
  EXPECT_NE(r.run.err.find("rank 0 of 3"), std::string::npos) << r.run.err;
  expect_no_results(dir / "out");
  // A subcommand that runs as one process is refused across ranks, once.
  const Timed s = mpirun(2, "simulate --genes 5 --cells 50 --quiet --out " + q(dir / "sim.h5ad"), dir);
  EXPECT_NE(s.run.status, 0);
  EXPECT_EQ(count(s.run.err, "error: "), 1) << s.run.err;
  EXPECT_NE(s.run.err.find("without mpirun"), std::string::npos) << s.run.err;
  EXPECT_FALSE(fs::exists(dir / "sim.h5ad"));
}

#ifdef FLASHMM_MPIEXEC
// The processes whose parent is `parent`, with the rank Open MPI gave them.
std::vector<std::pair<pid_t, int>> ranks_of(pid_t parent) {
  std::vector<std::pair<pid_t, int>> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    const std::string env = slurp(e.path() / "environ");
    const auto at = env.find("OMPI_COMM_WORLD_RANK=");
    if (at != std::string::npos) out.emplace_back(std::stoi(name), std::stoi(env.substr(at + 21)));
  }
  return out;
}

// Whether a process exists and has not ended (a zombie has).
bool running(pid_t p) {
  std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}
#endif

TEST(MpiCli, ARankKilledMidRunEndsEveryRank) {
  SKIP_WITHOUT_MPI();
#ifdef FLASHMM_MPIEXEC
  const fs::path dir = work_dir("mpi_kill");
  const fs::path sim = dir / "sim.h5ad";
  ASSERT_EQ(run_cli("simulate --genes 2000 --cells 100000 --samples 20 --clusters 4 --seed 19 --quiet --out " + q(sim),
                    dir).status, 0);
  const fs::path out = dir / "out", err = dir / "stderr.txt";
  const std::string cmd = "exec env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 '" +
                          std::string(FLASHMM_MPIEXEC) + "' --oversubscribe --bind-to none -n 3 '" + FLASHMM_CLI_PATH +
                          "' de " + q(sim) + " " + kModel + " --out " + q(out) + " 2> " + q(err);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  // Rank 1, once all three are running (MPI started), gets SIGKILL.
  pid_t victim = -1;
  std::vector<std::pair<pid_t, int>> ranks;
  for (int i = 0; i < 3000 && victim < 0; ++i) {
    ranks = ranks_of(pid);
    if (ranks.size() == 3)
      for (const auto& [p, r] : ranks)
        if (r == 1) victim = p;
    if (victim < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(victim, 0) << "the ranks did not start";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a run takes seconds
  ::kill(victim, SIGKILL);
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "the job did not end within 30 s of a rank's death";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  const std::string text = slurp(err);
  EXPECT_NE(text.find("rank 1"), std::string::npos) << text;
  EXPECT_NE(text.find("signal 9"), std::string::npos) << text;
  expect_no_results(out);
  for (const auto& [p, r] : ranks) EXPECT_FALSE(running(p)) << "rank " << r << " (pid " << p << ") is still running";
#endif
}

}  // namespace
}  // namespace flashmm
#endif
