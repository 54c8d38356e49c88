#include "cli/progress.hpp"

#include <unistd.h>

#include <exception>

namespace flashmm::cli {

namespace {

constexpr auto kRedraw = std::chrono::milliseconds(200);  // live line: at most five times a second
constexpr auto kLogInterval = std::chrono::seconds(30);   // log lines: 30 s and 10% apart at least
constexpr double kLogFraction = 0.1;

const char* unit_of(ProgressStage s) {
  switch (s) {
    case ProgressStage::reading: return "cells";
    case ProgressStage::fitting:
    case ProgressStage::df: return "genes";
    case ProgressStage::writing: return "files";
  }
  return "";
}

// "12.3 s", "4 min 5 s", "1 h 2 min".
std::string duration(double s) {
  char b[48];
  if (s < 60)
    std::snprintf(b, sizeof b, "%.*f s", s < 10 ? 2 : 1, s);
  else if (s < 3600)
    std::snprintf(b, sizeof b, "%d min %d s", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else
    std::snprintf(b, sizeof b, "%d h %d min", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
  return b;
}

std::string rate(double units, double seconds, const std::string& unit) {
  if (seconds <= 0 || units <= 0 || unit == "files") return {};  // a rate of files says nothing
  char b[64];
  const double r = units / seconds;
  std::snprintf(b, sizeof b, r >= 100 ? "%.0f %s/s" : r >= 10 ? "%.1f %s/s" : "%.2f %s/s", r, unit.c_str());
  return b;
}

}  // namespace

bool stderr_is_terminal() { return isatty(fileno(stderr)) != 0; }

ProgressOutput ProgressOutput::standard_error() {
  ProgressOutput o;
  o.terminal = stderr_is_terminal();
  return o;
}

Stage::Stage(std::string name, std::int64_t total, std::string unit, bool quiet, ProgressOutput output)
    : name_(std::move(name)), unit_(std::move(unit)), total_(total), quiet_(quiet), output_(std::move(output)),
      start_(output_.now()), last_draw_(start_) {}

Stage::~Stage() {
  // A stage cut short by an error gets no line that reads as done; the error says what happened.
  if (finished_) return;
  if (std::uncaught_exceptions() == 0) {
    finish();
  } else if (!quiet_ && output_.terminal) {
    std::fprintf(output_.out, "\r\x1b[K");
    std::fflush(output_.out);
  }
}

double Stage::seconds() const { return std::chrono::duration<double>(output_.now() - start_).count(); }

void Stage::line(const char* lead, std::int64_t done, bool final, const std::string& detail) {
  const double s = seconds();
  std::string text = name_ + ": ";
  if (final) {
    if (done > 0 && !unit_.empty()) text += std::to_string(done) + " " + unit_ + " in ";
    text += duration(s);
    std::string extra = rate(static_cast<double>(done), s, unit_);
    if (!detail.empty()) extra += (extra.empty() ? "" : "; ") + detail;
    if (!extra.empty()) text += " (" + extra + ")";
  } else {
    char pct[16] = "";
    if (total_ > 0) std::snprintf(pct, sizeof pct, "%.0f%% ", 100.0 * static_cast<double>(done) / static_cast<double>(total_));
    text += pct + std::to_string(done) + (total_ > 0 ? " of " + std::to_string(total_) : "") + " " + unit_ + ", " +
            duration(s) + " elapsed";
    const std::string r = rate(static_cast<double>(done), s, unit_);
    if (!r.empty()) text += ", " + r;
    if (total_ > 0 && done > 0 && done < total_)
      text += ", ETA " + duration(s * static_cast<double>(total_ - done) / static_cast<double>(done));
  }
  std::fprintf(output_.out, "%s%s%s", lead, text.c_str(), output_.terminal && !final ? "\x1b[K" : "\n");
  std::fflush(output_.out);
}

void Stage::update(std::int64_t done) {
  if (quiet_ || finished_) return;
  done_ = done;
  const auto now = output_.now();
  if (output_.terminal) {
    if (now - last_draw_ < kRedraw) return;
    last_draw_ = now;
    line("\r", done, false, {});
    return;
  }
  // A batch log: only when both 10% of the stage and 30 s have passed since the last line.
  if (now - last_draw_ < kLogInterval) return;
  if (total_ > 0 && static_cast<double>(done - logged_done_) < kLogFraction * static_cast<double>(total_)) return;
  if (total_ > 0 && done >= total_) return;  // the final line follows
  last_draw_ = now;
  logged_done_ = done;
  line("", done, false, {});
}

void Stage::finish(const std::string& detail) {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  line(output_.terminal ? "\r\x1b[K" : "", done_ > 0 ? done_ : total_, true, detail);
}

StageSequence::StageSequence(bool quiet, std::string reading_name, std::string writing_name, ProgressOutput output)
    : quiet_(quiet), reading_name_(std::move(reading_name)), writing_name_(std::move(writing_name)),
      output_(std::move(output)) {}

void StageSequence::operator()(ProgressStage stage, Index done, Index total) {
  if (!started_ || stage != current_ || !stage_) {
    if (stage_) stage_->finish();
    started_ = true;
    current_ = stage;
    const std::string name = stage == ProgressStage::reading   ? reading_name_
                             : stage == ProgressStage::writing ? writing_name_
                                                               : to_string(stage);
    stage_ = std::make_unique<Stage>(name, total, unit_of(stage), quiet_, output_);
  }
  stage_->update(done);
}

ProgressCallback StageSequence::callback() {
  return [this](ProgressStage stage, Index done, Index total) { (*this)(stage, done, total); };
}

void StageSequence::finish(const std::string& detail) {
  if (stage_) stage_->finish(detail);
  stage_.reset();
}

}  // namespace flashmm::cli
