#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace flashmm::cli {

bool stderr_is_terminal() { return isatty(fileno(stderr)) != 0; }

Stage::Stage(std::string name, std::int64_t total, std::string unit, bool quiet)
    : name_(std::move(name)), unit_(std::move(unit)), total_(total), quiet_(quiet),
      live_(!quiet && stderr_is_terminal()), start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Stage::~Stage() {
  if (!finished_) finish();
}

double Stage::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Stage::update(std::int64_t done) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  if (total_ > 0)
    std::fprintf(stderr, "\r%s: %3.0f%% (%lld of %lld %s)\x1b[K", name_.c_str(),
                 100.0 * static_cast<double>(done) / static_cast<double>(total_), static_cast<long long>(done),
                 static_cast<long long>(total_), unit_.c_str());
  else
    std::fprintf(stderr, "\r%s: %lld %s\x1b[K", name_.c_str(), static_cast<long long>(done), unit_.c_str());
  std::fflush(stderr);
}

void Stage::finish(const std::string& detail) {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  if (live_) std::fprintf(stderr, "\r\x1b[K");
  std::fprintf(stderr, "%s: %.2f s%s%s%s\n", name_.c_str(), seconds(), detail.empty() ? "" : " (",
               detail.c_str(), detail.empty() ? "" : ")");
}

}  // namespace flashmm::cli
