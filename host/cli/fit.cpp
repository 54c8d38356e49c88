// flashmm fit: the fit and the tests from a summary-statistics file alone.
#include <flashmm/io/stats_file.hpp>

#include "cli/commands.hpp"
#include "cli/fit_options.hpp"
#include "cli/output_dir.hpp"

#include <memory>

namespace flashmm::cli {

namespace {

struct FitCommandOptions {
  std::string stats;
  FitOptions fit;
  int threads = 0;
  std::string device = "auto";
  bool quiet = false;
};

void run_fit(const FitCommandOptions& o) {
  OutputDir out(o.fit.out, fit_output_names(), o.fit.force);
  io::StatsProvenance prov;
  const SummaryStats stats = io::read_summary_stats(o.stats, &prov);
  tests_for(stats.fixed_names, o.fit.contrasts);
  fit_and_write(stats, o.fit, o.threads, o.device, o.quiet,
                model_provenance(o.stats, prov.fixed_formula, prov.random_formulas, prov.transform), out);
}

}  // namespace

void add_fit(CLI::App& app) {
  auto o = std::make_shared<FitCommandOptions>();
  CLI::App* sub = app.add_subcommand("fit", "Fit and test from a summary-statistics file (flashmm sumstats/merge)");
  sub->add_option("stats", o->stats, "Summary-statistics file")->required();
  add_fit_options(sub, o->fit);
  sub->add_option("--threads", o->threads, "Threads (0: all cores)")->capture_default_str()->check(
      CLI::NonNegativeNumber);
  sub->add_option("--device", o->device, "auto (GPU when usable), cpu or gpu")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}));
  sub->add_flag("--quiet", o->quiet, "No progress, timings or warnings on stderr");
  set_action(sub, [o] { run_fit(*o); });
}

}  // namespace flashmm::cli
