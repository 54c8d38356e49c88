// flashmm de: fit the LMM to every gene of a count matrix and test its coefficients and contrasts.
// The matrix is streamed in blocks of cells into summary statistics, so memory is bounded by the
// block and the number of genes, not the number of cells.
#include "cli/commands.hpp"
#include "cli/data_options.hpp"
#include "cli/fit_options.hpp"
#include "cli/help.hpp"
#include "cli/output_dir.hpp"
#include "dist/communicator.hpp"

#include <memory>
#include <optional>
#include <utility>

namespace flashmm::cli {

namespace {

struct DeOptions {
  DataOptions data;
  FitOptions fit;
};

void run_de(const DeOptions& o) {
  // Fail on an unusable output directory, or one holding results, before reading anything.
  // Under MPI rank 0 alone writes.
  std::optional<OutputDir> out;
  if (dist::world().root()) out.emplace(o.fit.out, fit_output_names(), o.fit.force);
  io::StatsProvenance prov;
  // A typo in a contrast should not cost a pass over the data: check them once the names are known.
  SummaryStats stats = stream_summary_stats(
      o.data, {}, [&](const DesignBuilder& d) { tests_for(d.fixed_names(), o.data.fixed, o.fit); }, &prov);
  fit_and_write(std::move(stats), o.fit, o.data.run,
                model_provenance(o.data.input, prov), out ? &*out : nullptr);
}

}  // namespace

void add_de(CLI::App& app) {
  auto o = std::make_shared<DeOptions>();
  CLI::App* sub = app.add_subcommand("de", "Differential expression: fit the LMM to every gene and test");
  add_data_options(sub, o->data);
  add_fit_options(sub, o->fit);
  sub->footer(de_help());
  set_action(sub, [o] { run_de(*o); });
}

}  // namespace flashmm::cli
