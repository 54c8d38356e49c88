#include "cli/messages.hpp"

#include <cstdio>
#include <mutex>
#include <set>
#include <utility>

namespace flashmm::cli {

namespace {

void show(const char* kind, const std::string& message, bool quiet) {
  static std::mutex mutex;
  static std::set<std::pair<std::string, std::string>> shown;
  if (quiet) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (shown.emplace(kind, message).second) std::fprintf(stderr, "%s: %s\n", kind, message.c_str());
}

}  // namespace

void show_warning(const std::string& message, bool quiet) { show("warning", message, quiet); }
void show_note(const std::string& message, bool quiet) { show("note", message, quiet); }
void show_warnings(const std::vector<std::string>& messages, bool quiet) {
  for (const auto& m : messages) show_warning(m, quiet);
}
void show_notes(const std::vector<std::string>& messages, bool quiet) {
  for (const auto& m : messages) show_note(m, quiet);
}

}  // namespace flashmm::cli
