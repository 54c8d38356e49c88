// The program's progress lines (host/cli/progress.cpp) with a clock of the test's: on a
// non-terminal, a line every 10% of the stage or every 30 s, whichever is rarer, and one line
// when the stage ends; nothing under --quiet.
#include <gtest/gtest.h>

#include "cli/progress.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace flashmm {
namespace {

using Clock = std::chrono::steady_clock;

struct Capture {
  std::FILE* file = std::tmpfile();
  Clock::time_point t = Clock::time_point{} + std::chrono::hours(1);
  ~Capture() { std::fclose(file); }
  cli::ProgressOutput output(bool terminal = false) {
    cli::ProgressOutput o;
    o.out = file;
    o.terminal = terminal;
    o.now = [this] { return t; };
    return o;
  }
  std::vector<std::string> lines() {
    std::fflush(file);
    std::rewind(file);
    std::vector<std::string> out;
    std::string line;
    for (int c; (c = std::fgetc(file)) != EOF;) {
      if (c == '\n') {
        out.push_back(line);
        line.clear();
      } else {
        line += static_cast<char>(c);
      }
    }
    if (!line.empty()) out.push_back(line);
    return out;
  }
};

// 1 unit a second for 100 units: 10% passes every 10 s, 30 s is the rarer: lines at 30, 60, 90.
TEST(ProgressLines, EveryThirtySecondsWhenTenPercentComesSooner) {
  Capture cap;
  {
    cli::Stage stage("fitting", 100, "genes", false, cap.output());
    for (int done = 1; done <= 100; ++done) {
      cap.t += std::chrono::seconds(1);
      stage.update(done);
    }
    stage.finish();
  }
  const auto lines = cap.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].rfind("fitting: 30% 30 of 100 genes, 30.0 s elapsed, 1.00 genes/s, ETA 1 min 10 s", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("fitting: 60% 60 of 100 genes", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("fitting: 90% 90 of 100 genes", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3], "fitting: 100 genes in 1 min 40 s (1.00 genes/s)");
}

// 1 unit every 10 s: 30 s pass every 3 units, 10% (10 units) is the rarer: lines at 10, ..., 90.
TEST(ProgressLines, EveryTenPercentWhenThirtySecondsComeSooner) {
  Capture cap;
  {
    cli::Stage stage("reading x.h5ad", 100, "cells", false, cap.output());
    for (int done = 1; done <= 100; ++done) {
      cap.t += std::chrono::seconds(10);
      stage.update(done);
    }
  }  // the destructor ends the stage
  const auto lines = cap.lines();
  ASSERT_EQ(lines.size(), 10u);
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(lines[static_cast<std::size_t>(i)].rfind("reading x.h5ad: " + std::to_string(10 * (i + 1)) + "% ", 0), 0u)
        << lines[static_cast<std::size_t>(i)];
  EXPECT_EQ(lines[9], "reading x.h5ad: 100 cells in 16 min 40 s (0.10 cells/s)");
}

// A short stage: its one line only.
TEST(ProgressLines, AShortStageHasOneLine) {
  Capture cap;
  cli::StageSequence stages(false, "reading", "writing out", cap.output());
  stages(ProgressStage::fitting, 0, 60);
  cap.t += std::chrono::milliseconds(500);
  stages(ProgressStage::fitting, 60, 60);
  stages(ProgressStage::df, 0, 60);
  cap.t += std::chrono::milliseconds(250);
  stages(ProgressStage::df, 60, 60);
  stages(ProgressStage::writing, 0, 12);
  stages(ProgressStage::writing, 12, 12);
  stages.finish();
  const auto lines = cap.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "fitting: 60 genes in 0.50 s (120 genes/s)");
  EXPECT_EQ(lines[1], "df: 60 genes in 0.25 s (240 genes/s)");
  EXPECT_EQ(lines[2], "writing out: 12 files in 0.00 s");
}

TEST(ProgressLines, QuietPrintsNothing) {
  Capture cap;
  {
    cli::StageSequence stages(true, "reading", "writing", cap.output(true));
    for (int done = 0; done <= 100; ++done) {
      cap.t += std::chrono::seconds(10);
      stages(ProgressStage::fitting, done, 100);
    }
    stages.finish("detail");
  }
  EXPECT_TRUE(cap.lines().empty());
}

// On a terminal: a live line redrawn in place (carriage return, erase to the end), with the
// rate and the time left, then the stage's line.
TEST(ProgressLines, TerminalLineShowsRateAndEta) {
  Capture cap;
  {
    cli::Stage stage("fitting", 1000, "genes", false, cap.output(true));
    cap.t += std::chrono::seconds(2);
    stage.update(250);
    stage.finish();
  }
  const auto lines = cap.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "\rfitting: 25% 250 of 1000 genes, 2.00 s elapsed, 125 genes/s, ETA 6.00 s\x1b[K\r\x1b[K"
                      "fitting: 250 genes in 2.00 s (125 genes/s)");
}

}  // namespace
}  // namespace flashmm
