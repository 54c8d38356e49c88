// What the program says besides its results: nothing at all under --quiet on success, and exit
// statuses that tell usage errors (2) from bad input (1) (host/cli/main.cpp).
#include <gtest/gtest.h>

#include "support/cli_run.hpp"
#include "support/fixture.hpp"

#include <sys/wait.h>

#include <filesystem>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::q;
using testing::run_cli;
using testing::work_dir;

int exit_status(int system_status) { return WIFEXITED(system_status) ? WEXITSTATUS(system_status) : -1; }

const std::string kModel = " --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam'";

TEST(CliMessages, QuietPrintsNothingOnSuccess) {
  const fs::path dir = work_dir("cli_quiet");
  // Two components with plain scoring: warnings (non-converged genes) that --quiet silences.
  const auto r = run_cli("de " + q(data_path("s1.h5ad")) + kModel + " --random '~ 0 + batch' --device auto --quiet --out " +
                             q(dir / "out"),
                         dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto loud = run_cli("de " + q(data_path("s1.h5ad")) + kModel + " --random '~ 0 + batch' --out " + q(dir / "loud"), dir);
  ASSERT_EQ(loud.status, 0) << loud.err;
  EXPECT_NE(loud.err.find("warning: "), std::string::npos) << loud.err;
}

TEST(CliMessages, ExitStatusTellsUsageFromBadInput) {
  const fs::path dir = work_dir("cli_exit");
  // Usage: an unknown option, a missing required one, an unknown subcommand.
  EXPECT_EQ(exit_status(run_cli("de " + q(data_path("s1.h5ad")) + kModel + " --no-such-option --out " + q(dir / "a"), dir).status), 2);
  EXPECT_EQ(exit_status(run_cli("de " + q(data_path("s1.h5ad")) + kModel, dir).status), 2);
  EXPECT_EQ(exit_status(run_cli("frobnicate", dir).status), 2);
  // Bad input: a missing file, a column the metadata lacks.
  const auto missing = run_cli("de " + q(dir / "no_such.h5ad") + kModel + " --out " + q(dir / "b"), dir);
  EXPECT_EQ(exit_status(missing.status), 1);
  EXPECT_NE(missing.err.find("error: "), std::string::npos) << missing.err;
  const auto column = run_cli("de " + q(data_path("s1.h5ad")) + " --fixed '~ 0 + nosuchcolumn' --random '~ 0 + sam' --out " +
                                  q(dir / "c"),
                              dir);
  EXPECT_EQ(exit_status(column.status), 1);
  EXPECT_NE(column.err.find("nosuchcolumn"), std::string::npos) << column.err;
  // An option out of range in the library: the message names the flag as typed.
  const auto range = run_cli("simulate --genes 10 --cells 100 --samples 2 --treatments 3 --out " + q(dir / "sim.h5ad"), dir);
  EXPECT_EQ(exit_status(range.status), 1);
  EXPECT_NE(range.err.find("(option --samples)"), std::string::npos) << range.err;
  // Help and version are not errors.
  EXPECT_EQ(exit_status(run_cli("--help > /dev/null", dir).status), 0);
  EXPECT_EQ(exit_status(run_cli("--version > /dev/null", dir).status), 0);
}

}  // namespace
}  // namespace flashmm
