#pragma once
// Internal: registration of the subcommands with CLI11, one file each.
#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>

namespace flashmm::cli {

/// Each add_* registers a subcommand and the callback that runs it.
void add_demo(CLI::App& app);
void add_de(CLI::App& app);
void add_simulate(CLI::App& app);
void add_sumstats(CLI::App& app);
void add_merge(CLI::App& app);
void add_fit(CLI::App& app);
void add_test(CLI::App& app);

/// A command-line usage error found after parsing (options that must come together): exit
/// status 2, as CLI11's own.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Runs the callback of the subcommand that was parsed.
void run_selected(CLI::App& app);

/// Registers the function run_selected calls for subcommand sub.
void set_action(CLI::App* sub, std::function<void()> action);

}  // namespace flashmm::cli
