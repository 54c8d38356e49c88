// Results on disk (issue 14): one run per output (lock), result sets published whole (kills and
// signals mid-write leave the old set or the new one, and no temporaries after the next run),
// full disks in every writer (exit 1, no partial file, no crash), no overwriting unasked
// (simulate too), files beside the results kept, and the --help of every subcommand.
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
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

const std::vector<std::string> kModel = {"--fixed", "~ 0 + log(libsize) + cls + cls:trt", "--random", "~ 0 + sam",
                                         "--quiet"};
const std::string kModelArgs = "--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --quiet";
const std::vector<std::string> kSet = {"coef.tsv",  "se.tsv",    "t.tsv",  "p.tsv",   "theta.tsv",   "se_theta.tsv",
                                       "dlogL.tsv", "genes.tsv", "de.tsv", "top.tsv", "columns.txt", "fit.h5"};

// The program run directly (fork + exec), so that the test can signal it; stderr to err.
pid_t spawn(const std::vector<std::string>& args, const fs::path& err) {
  std::vector<std::string> all{FLASHMM_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string err_path = err.string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Every file of a folder (names -> contents), its temporaries flagged.
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> m;
  if (!fs::is_directory(dir)) return m;
  for (const auto& e : fs::directory_iterator(dir))
    m[e.path().filename().string()] = e.is_regular_file() ? slurp(e.path()) : std::string("<dir>");
  return m;
}

// The names in dir that are temporaries or locks of flashmm (.NAME.flashmm-*).
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> t;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.find(".flashmm-") != std::string::npos) t.push_back(n);
  }
  return t;
}

std::vector<std::string> de_args(const fs::path& input, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"de", input.string()};
  a.insert(a.end(), kModel.begin(), kModel.end());
  a.insert(a.end(), extra.begin(), extra.end());
  a.insert(a.end(), {"--out", out.string()});
  return a;
}

// A data set large enough that de takes a while (for kills mid-run): simulated once.
const fs::path& big_input() {
  static const fs::path p = [] {
    const fs::path dir = work_dir("output_big_input_" + std::to_string(::getpid()));
    const auto r = run_cli("simulate --genes 3000 --cells 6000 --samples 12 --clusters 5 --seed 3 --quiet --out " +
                               q(dir / "big.h5ad"),
                           dir);
    if (r.status != 0) throw std::runtime_error(r.err);
    return dir / "big.h5ad";
  }();
  return p;
}

// ---- one run per output ---------------------------------------------------------------------

// A lock held by another process: the run stops and names the holder; once the holder is gone
// (its lock file left behind) the lock is taken over.
TEST(CliOutput, ASecondRunOnTheSameOutputStopsAndNamesTheFirst) {
  const fs::path dir = work_dir("output_lock");
  for (const bool folder : {true, false}) {
    SCOPED_TRACE(folder ? "de --out DIR" : "sumstats -o FILE");
    const fs::path out = dir / (folder ? "res" : "stats.h5");
    const fs::path lock = dir / ("." + out.filename().string() + ".flashmm-lock");
    const std::string cmd = folder ? "de " + q(data_path("s1.h5ad")) + " " + kModelArgs + " --out " + q(out)
                                   : "sumstats " + q(data_path("s1.h5ad")) + " " + kModelArgs + " -o " + q(out);
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    const std::string holder = "pid 424242 host elsewhere since 2026-01-01 00:00:00\n";
    ASSERT_EQ(::write(fd, holder.data(), holder.size()), static_cast<ssize_t>(holder.size()));
    const auto r = run_cli(cmd, dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("in use by another flashmm run"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pid 424242"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    ::close(fd);  // the holder dies: its lock file stays, unlocked
    ASSERT_TRUE(fs::exists(lock));
    const auto r2 = run_cli(cmd, dir);
    EXPECT_EQ(r2.status, 0) << r2.err;
    EXPECT_TRUE(fs::exists(out));
    EXPECT_TRUE(temporaries(dir).empty()) << temporaries(dir).front();
  }
}

// Two runs with different models on the same --out at once: the folder ends up holding one of
// the two complete sets, never a mix; a run that lost the race says so.
TEST(CliOutput, ConcurrentRunsNeverMixTheirResults) {
  const fs::path dir = work_dir("output_concurrent");
  const fs::path in = data_path("s1.h5ad");
  std::map<std::string, std::string> ref[2];
  const std::vector<std::string> models[2] = {{"--method", "reml"}, {"--method", "ml"}};
  for (int m = 0; m < 2; ++m) {
    const pid_t pid = spawn(de_args(in, dir / ("ref" + std::to_string(m)), models[m]), dir / "err.txt");
    ASSERT_EQ(wait_for(pid), 0) << slurp(dir / "err.txt");
    ref[m] = contents(dir / ("ref" + std::to_string(m)));
    ASSERT_EQ(ref[m].size(), kSet.size());
  }
  ASSERT_NE(ref[0]["coef.tsv"], ref[1]["coef.tsv"]);
  for (int round = 0; round < 3; ++round) {
    const fs::path out = dir / "shared";
    pid_t pid[2];
    for (int m = 0; m < 2; ++m) {
      std::vector<std::string> extra = models[m];
      extra.push_back("--force");
      pid[m] = spawn(de_args(in, out, extra), dir / ("err" + std::to_string(m) + ".txt"));
    }
    int ok = 0;
    for (int m = 0; m < 2; ++m) {
      const int status = wait_for(pid[m]);
      if (status == 0) {
        ++ok;
      } else {
        const std::string err = slurp(dir / ("err" + std::to_string(m) + ".txt"));
        EXPECT_NE(err.find("in use by another flashmm run"), std::string::npos) << err;
      }
    }
    EXPECT_GE(ok, 1);
    const auto got = contents(out);
    EXPECT_TRUE(got == ref[0] || got == ref[1]) << "round " << round << ": the folder mixes the two runs";
    EXPECT_TRUE(temporaries(dir).empty());
  }
}

// ---- result sets published whole ------------------------------------------------------------

// Killed at any moment (SIGTERM or SIGKILL) while replacing an old set with --force: the folder
// holds the old complete set or the new one. SIGTERM leaves no temporaries; after SIGKILL the
// next run removes them.
TEST(CliOutput, AKillMidRunLeavesTheOldSetOrTheNew) {
  const fs::path dir = work_dir("output_kill");
  const fs::path in = big_input();
  std::map<std::string, std::string> old_set, new_set;
  {
    const pid_t a = spawn(de_args(in, dir / "new_ref"), dir / "err.txt");
    ASSERT_EQ(wait_for(a), 0) << slurp(dir / "err.txt");
    new_set = contents(dir / "new_ref");
    const pid_t b = spawn(de_args(in, dir / "out", {"--method", "ml"}), dir / "err.txt");
    ASSERT_EQ(wait_for(b), 0) << slurp(dir / "err.txt");
    old_set = contents(dir / "out");
    ASSERT_NE(old_set, new_set);
  }
  // The run's length, to spread the kills over it.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn(de_args(in, dir / "timing"), dir / "err.txt")), 0);
  const double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int killed = 0;
  for (const int sig : {SIGTERM, SIGKILL}) {
    for (int k = 1; k <= 6; ++k) {
      SCOPED_TRACE(std::string(sig == SIGTERM ? "SIGTERM" : "SIGKILL") + " at " + std::to_string(k) + "/7 of a run");
      const pid_t pid = spawn(de_args(in, dir / "out", {"--force"}), dir / "err.txt");
      std::this_thread::sleep_for(std::chrono::duration<double>(run * k / 7.0));
      ::kill(pid, sig);
      const int status = wait_for(pid);
      const bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!finished) {
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status << ": " << slurp(dir / "err.txt");
        ++killed;
      }
      const auto got = contents(dir / "out");
      EXPECT_TRUE(got == old_set || got == new_set) << "the folder holds a mix or a partial set";
      if (sig == SIGTERM) EXPECT_TRUE(temporaries(dir).empty()) << temporaries(dir).front();
      if (got == new_set) {
        // Back to the old set for the next kill.
        ASSERT_EQ(wait_for(spawn(de_args(in, dir / "out", {"--method", "ml", "--force"}), dir / "err.txt")), 0);
      }
    }
  }
  EXPECT_GT(killed, 0);
  // The next run removes what a killed one left, and publishes.
  ASSERT_EQ(wait_for(spawn(de_args(in, dir / "out", {"--force"}), dir / "err.txt")), 0) << slurp(dir / "err.txt");
  EXPECT_EQ(contents(dir / "out"), new_set);
  EXPECT_TRUE(temporaries(dir).empty());
}

// A set moved aside by a run that died between its two renames (file systems without
// RENAME_EXCHANGE) is put back by the next run, which then refuses to overwrite it.
TEST(CliOutput, ASetLeftAsideIsPutBack) {
  const fs::path dir = work_dir("output_aside");
  ASSERT_EQ(run_cli("de " + q(data_path("s1.h5ad")) + " " + kModelArgs + " --out " + q(dir / "out"), dir).status, 0);
  const auto set = contents(dir / "out");
  fs::rename(dir / "out", dir / ".out.flashmm-99999-0.old");
  fs::create_directory(dir / ".out.flashmm-99999-1.tmp");
  const auto r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModelArgs + " --out " + q(dir / "out"), dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("already holds results"), std::string::npos) << r.err;
  EXPECT_EQ(contents(dir / "out"), set);
  EXPECT_TRUE(temporaries(dir).empty());
}

// Files in --out that are not results (notes, a folder, other commands' results) are kept when
// the results are replaced; results already there are not replaced without --force.
TEST(CliOutput, OtherFilesInTheFolderAreKept) {
  const fs::path dir = work_dir("output_foreign");
  const fs::path out = dir / "out";
  const std::string de = "de " + q(data_path("s1.h5ad")) + " " + kModelArgs + " --out " + q(out);
  ASSERT_EQ(run_cli(de, dir).status, 0);
  std::ofstream(out / "notes.txt") << "my notes";
  fs::create_directories(out / "plots");
  std::ofstream(out / "plots" / "a.png") << "png";
  const auto before = slurp(out / "coef.tsv");
  auto r = run_cli(de + " --method ml", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out / "coef.tsv"), before);
  r = run_cli(de + " --method ml --force", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(out / "coef.tsv"), before);
  EXPECT_EQ(slurp(out / "notes.txt"), "my notes");
  EXPECT_EQ(slurp(out / "plots" / "a.png"), "png");
  // test writes de.tsv beside a fit's results: the fit's files stay.
  r = run_cli("test " + q(out / "fit.h5") + " --contrast 'cls1:trtB' --out " + q(out) + " --force", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(out / "fit.h5"));
  EXPECT_EQ(slurp(out / "notes.txt"), "my notes");
  EXPECT_TRUE(temporaries(dir).empty());
}

TEST(CliOutput, TheCurrentFolderIsRefusedAsOut) {
  const fs::path dir = work_dir("output_cwd");
  const auto r = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModelArgs + " --out .", dir);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("current folder"), std::string::npos) << r.err;
}

// ---- full disks -----------------------------------------------------------------------------

// A small tmpfs mounted for the test (the machine runs tests as root); skipped where mounting is
// not allowed.
class SmallDisk {
 public:
  explicit SmallDisk(const fs::path& at, std::size_t bytes) : at_(at) {
    fs::create_directories(at);
    const std::string opts = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", 0, opts.c_str()) == 0;
    if (!mounted_) why_ = std::string("cannot mount a tmpfs (") + std::strerror(errno) + "): needs root";
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }
  // Fills the disk but `free_bytes`.
  void leave_free(std::size_t free_bytes) {
    std::error_code ec;
    fs::remove(at_ / "filler", ec);
    const auto space = fs::space(at_);
    std::ofstream f(at_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (std::uintmax_t left = space.available > free_bytes ? space.available - free_bytes : 0; left >= 4096; left -= 4096)
      f << block;
  }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string why_;
};

// Every writer on a full disk: exit status 1 with an error naming the cause, no crash, no
// partial file, and an earlier result untouched.
TEST(CliOutput, AFullDiskInAnyWriterExitsCleanlyWithNoPartialFile) {
  const fs::path dir = work_dir("output_full_disk");
  SmallDisk disk(dir / "disk", std::size_t{3} << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.why();
  const fs::path d = dir / "disk";
  const std::string s1 = q(data_path("s1.h5ad"));
  ASSERT_EQ(run_cli("sumstats " + s1 + " " + kModelArgs + " -o " + q(dir / "a.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("sumstats " + s1 + " " + kModelArgs + " --cell-range 1:2000 -o " + q(dir / "h1.h5"), dir).status, 0);
  ASSERT_EQ(run_cli("sumstats " + s1 + " " + kModelArgs + " --cell-range 2001: -o " + q(dir / "h2.h5"), dir).status, 0);
  struct Case {
    std::string name, command;
  };
  const std::vector<Case> cases = {
      {"de (tables and fit.h5)", "de " + s1 + " " + kModelArgs + " --out " + q(d / "res") + " --force"},
      {"sumstats -o", "sumstats " + s1 + " " + kModelArgs + " -o " + q(d / "s.h5") + " --force"},
      {"merge -o", "merge " + q(dir / "h1.h5") + " " + q(dir / "h2.h5") + " -o " + q(d / "m.h5") + " --force"},
      {"fit", "fit " + q(dir / "a.h5") + " --quiet --out " + q(d / "fitres") + " --force"},
      {"simulate .h5ad", "simulate --genes 300 --cells 20000 --quiet --out " + q(d / "sim.h5ad") + " --force"},
      {"simulate 10x", "simulate --genes 300 --cells 20000 --quiet --out " + q(d / "tenx") + " --force"},
  };
  // Free space from none to most of what each writes, so that each writer fails at a different point.
  std::map<std::string, int> failures;
  for (const std::size_t free_kb : {0, 8, 60, 200, 700}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(c.name + ", " + std::to_string(free_kb) + " KB free");
      disk.leave_free(free_kb << 10);
      const auto before = contents(d);
      const auto r = run_cli(c.command, dir);
      if (r.status == 0) continue;  // it fitted: nothing to check
      ++failures[c.name];
      ASSERT_TRUE(WIFEXITED(r.status)) << "killed by a signal (crash?): " << r.status << " " << r.err;
      EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.err;
      EXPECT_TRUE(r.err.find("No space left") != std::string::npos || r.err.find("disk full") != std::string::npos)
          << r.err;
      EXPECT_EQ(r.err.find(".flashmm-"), std::string::npos) << "the error names a temporary: " << r.err;
      EXPECT_EQ(contents(d), before) << "a partial file or a temporary was left";
    }
  }
  for (const auto& c : cases) EXPECT_GE(failures[c.name], 2) << c.name << " met a full disk too rarely to be tested";
  // An earlier complete set survives a failed replacement.
  {
    std::error_code ec;
    fs::remove(d / "filler", ec);
    fs::remove_all(d / "res", ec);
    ASSERT_EQ(run_cli(cases[0].command, dir).status, 0);
    const auto set = contents(d / "res");
    disk.leave_free(20 << 10);
    const auto r = run_cli(cases[0].command + " --method ml", dir);
    EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.err;
    EXPECT_EQ(contents(d / "res"), set);
    EXPECT_TRUE(temporaries(d).empty());
  }
}

// ---- simulate: no overwriting unasked --------------------------------------------------------

TEST(CliOutput, SimulateDoesNotReplaceAnEarlierSimulationUnasked) {
  const fs::path dir = work_dir("output_simulate");
  const std::string sim = "simulate --genes 20 --cells 500 --samples 4 --clusters 2 --de-genes 2 --quiet";
  for (const std::string out : {"sim.h5ad", "tenx"}) {
    SCOPED_TRACE(out);
    ASSERT_EQ(run_cli(sim + " --seed 1 --out " + q(dir / out), dir).status, 0);
    const fs::path truth = out == "sim.h5ad" ? dir / "sim.truth.tsv" : dir / out / "truth.tsv";
    const std::string first = slurp(truth), first_data = out == "sim.h5ad" ? slurp(dir / out) : slurp(dir / out / "matrix.mtx.gz");
    auto r = run_cli(sim + " --seed 2 --out " + q(dir / out), dir);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(truth), first);
    r = run_cli(sim + " --seed 2 --force --out " + q(dir / out), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(slurp(truth), first);
    EXPECT_NE(out == "sim.h5ad" ? slurp(dir / out) : slurp(dir / out / "matrix.mtx.gz"), first_data);
  }
  // Two simulations in one folder keep their own truth tables.
  ASSERT_EQ(run_cli(sim + " --seed 3 --out " + q(dir / "other.h5ad"), dir).status, 0);
  EXPECT_TRUE(fs::exists(dir / "other.truth.tsv"));
  EXPECT_TRUE(fs::exists(dir / "sim.truth.tsv"));
  EXPECT_TRUE(temporaries(dir).empty());
}

// ---- help ------------------------------------------------------------------------------------

TEST(CliOutput, EveryHelpDocumentsTheOutputRules) {
  const fs::path dir = work_dir("output_help");
  for (const std::string sub : {"de", "fit", "test", "sumstats", "merge", "simulate"}) {
    SCOPED_TRACE(sub);
    const auto r = run_cli(sub + " --help > " + q(dir / "help.txt"), dir);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string help = slurp(dir / "help.txt");
    for (const char* needle : {"Output:", "--force", "exclusively", "flashmm-lock", "never a", "SIGTERM"})
      EXPECT_NE(help.find(needle), std::string::npos) << needle << " not in:\n" << help;
  }
}

}  // namespace
}  // namespace flashmm
#endif
