#pragma once
// Progress of the long stages on stderr: a live line (only when stderr is a terminal, at most
// five updates a second) and a one-line timing summary per stage. --quiet silences both.
#include <chrono>
#include <cstdint>
#include <string>

namespace flashmm::cli {

class Stage {
 public:
  /// total: units of work (cells, genes) or 0 when unknown; unit: their name for the live line.
  Stage(std::string name, std::int64_t total, std::string unit, bool quiet);
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  ~Stage();

  /// Work done so far (absolute).
  void update(std::int64_t done);
  /// Ends the stage and prints "name: 1.23 s (detail)". Called by the destructor if not before.
  void finish(const std::string& detail = {});
  double seconds() const;

 private:
  std::string name_, unit_;
  std::int64_t total_;
  bool quiet_, live_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

/// Whether stderr is a terminal (the live lines are drawn only then).
bool stderr_is_terminal();

}  // namespace flashmm::cli
