#include "cli/commands.hpp"

#include <map>

namespace flashmm::cli {

namespace {
std::map<const CLI::App*, std::function<void()>>& actions() {
  static std::map<const CLI::App*, std::function<void()>> a;
  return a;
}
}  // namespace

void set_action(CLI::App* sub, std::function<void()> action) { actions()[sub] = std::move(action); }

void run_selected(CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands())
    if (auto it = actions().find(sub); it != actions().end()) it->second();
}

}  // namespace flashmm::cli
