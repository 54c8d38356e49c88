#include "cli/run_options.hpp"

#include "cli/option_checks.hpp"

namespace flashmm::cli {

void add_run_options(CLI::App* sub, RunOptions& o, bool with_quiet) {
  sub->add_option("--threads", o.threads, "Threads (0: all cores)")->capture_default_str()->check(whole_number(0));
  sub->add_option("--device", o.device, "auto (GPU when usable), cpu or gpu")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}));
  if (with_quiet) sub->add_flag("--quiet", o.quiet, "Nothing on stderr but errors (no progress, timings, notes, warnings or summary)");
}

}  // namespace flashmm::cli
