// flashmm fit: the fit and the tests from a summary-statistics file alone.
#include <flashmm/io/stats_file.hpp>

#include "cli/commands.hpp"
#include "cli/fit_options.hpp"
#include "cli/help.hpp"
#include "cli/output_dir.hpp"
#include "dist/agreement.hpp"
#include "dist/communicator.hpp"

#include <memory>
#include <optional>
#include <utility>

namespace flashmm::cli {

namespace {

struct FitCommandOptions {
  std::string stats;
  FitOptions fit;
  RunOptions run;
};

void run_fit(const FitCommandOptions& o) {
  // Under MPI every rank reads the file and fits its share of the genes; rank 0 alone writes.
  std::optional<OutputDir> out;
  if (dist::world().root()) out.emplace(o.fit.out, fit_output_names(), o.fit.force);
  io::StatsProvenance prov;
  SummaryStats stats = io::read_summary_stats(o.stats, &prov);
  tests_for(stats.fixed_names, prov.fixed_formula, o.fit);
  dist::checkpoint();
  fit_and_write(std::move(stats), o.fit, o.run,
                model_provenance(o.stats, prov), out ? &*out : nullptr);
}

}  // namespace

void add_fit(CLI::App& app) {
  auto o = std::make_shared<FitCommandOptions>();
  CLI::App* sub = app.add_subcommand("fit", "Fit and test from a summary-statistics file (flashmm sumstats/merge)");
  sub->add_option("stats", o->stats, "Summary-statistics file")->required();
  add_fit_options(sub, o->fit);
  add_run_options(sub, o->run);
  sub->footer(fit_help());
  set_action(sub, [o] { run_fit(*o); });
}

}  // namespace flashmm::cli
