#pragma once
// Internal: the options of how a command runs (threads, device, quiet), shared by de, sumstats,
// fit and demo.
#include <CLI/CLI.hpp>

#include <string>

namespace flashmm::cli {

struct RunOptions {
  int threads = 0;
  std::string device = "auto";  ///< auto (the GPU when usable), cpu or gpu
  bool quiet = false;
};

/// Registers --threads and --device, and --quiet when with_quiet (demo prints its report always).
void add_run_options(CLI::App* sub, RunOptions& o, bool with_quiet = true);

}  // namespace flashmm::cli
