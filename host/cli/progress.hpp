#pragma once
// Progress of the long stages on stderr (--quiet: nothing).
//  - On a terminal: a live line, redrawn at most five times a second: done of total, the rate,
//    the time elapsed and the time left (ETA).
//  - Elsewhere (batch logs): a line every 10% of the stage or every 30 s, whichever is rarer
//    (a line when both have passed since the last), so a log grows by a few lines an hour.
//  - Either way, one line when a stage ends: "fitting: 11596 genes in 12.3 s (943 genes/s)".
#include <flashmm/progress.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace flashmm::cli {

/// Where stage lines go and how time passes: stderr and the steady clock, or a test's.
struct ProgressOutput {
  std::FILE* out = stderr;
  bool terminal = false;
  std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
  /// stderr, live lines only when it is a terminal.
  static ProgressOutput standard_error();
};

class Stage {
 public:
  /// total: units of work (cells, genes) or 0 when unknown; unit: their name ("genes").
  Stage(std::string name, std::int64_t total, std::string unit, bool quiet,
        ProgressOutput output = ProgressOutput::standard_error());
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  ~Stage();

  /// Work done so far (absolute).
  void update(std::int64_t done);
  /// Ends the stage and prints "name: N unit in 1.23 s (R unit/s; detail)". Called by the
  /// destructor if not before.
  void finish(const std::string& detail = {});
  double seconds() const;

 private:
  void line(const char* lead, std::int64_t done, bool final, const std::string& detail);
  std::string name_, unit_;
  std::int64_t total_, done_ = 0, logged_done_ = 0;
  bool quiet_, finished_ = false;
  ProgressOutput output_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

/// The library's progress callback shown as stages: a stage begins when the callback first
/// names it and ends when another begins (or at finish()). Named "fitting" and "df"; reading
/// and writing by `reading_name` ("reading data.h5ad") and `writing_name` ("writing out/").
class StageSequence {
 public:
  explicit StageSequence(bool quiet, std::string reading_name = "reading", std::string writing_name = "writing",
                         ProgressOutput output = ProgressOutput::standard_error());
  /// Reports (stage, done, total); thread-safe as the library calls it (never concurrently).
  void operator()(ProgressStage stage, Index done, Index total);
  /// The callback for LmmOptions::progress and accumulate_cells (refers to this sequence).
  ProgressCallback callback();
  /// Ends the current stage with `detail` in its line.
  void finish(const std::string& detail = {});

 private:
  bool quiet_;
  std::string reading_name_, writing_name_;
  ProgressOutput output_;
  bool started_ = false;
  ProgressStage current_ = ProgressStage::reading;
  std::unique_ptr<Stage> stage_;
};

/// Whether stderr is a terminal (the live lines are drawn only then).
bool stderr_is_terminal();

}  // namespace flashmm::cli
