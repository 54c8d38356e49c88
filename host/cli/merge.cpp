// flashmm merge: add up summary statistics of disjoint shards of cells (same model, same genes).
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include "cli/commands.hpp"
#include "cli/output_file.hpp"

#include <filesystem>
#include <memory>

namespace flashmm::cli {

namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string out;
  bool force = false;
};

void run_merge(const MergeOptions& o) {
  namespace fs = std::filesystem;
  for (const auto& in : o.inputs) {
    std::error_code ec;
    if (fs::exists(o.out, ec) && fs::equivalent(in, o.out, ec))
      throw InputError("-o '" + o.out + "' is one of the inputs; write the merged statistics to a new file");
  }
  check_output_file(o.out, o.force);
  io::StatsProvenance first_prov;
  SummaryStats merged = io::read_summary_stats(o.inputs.front(), &first_prov);
  for (std::size_t i = 1; i < o.inputs.size(); ++i) {
    io::StatsProvenance prov;
    const SummaryStats s = io::read_summary_stats(o.inputs[i], &prov);
    if (prov.transform != first_prov.transform || prov.fixed_formula != first_prov.fixed_formula ||
        prov.random_formulas != first_prov.random_formulas)
      throw InputError("'" + o.inputs[i] + "' was made with another model or transform than '" + o.inputs.front() +
                       "' (fixed '" + prov.fixed_formula + "' vs '" + first_prov.fixed_formula +
                       "'); only shards of the same model merge");
    try {
      merged.merge(s);
    } catch (const InputError& e) {
      throw InputError("'" + o.inputs[i] + "' does not match '" + o.inputs.front() + "': " + e.what());
    }
  }
  io::write_summary_stats(o.out, merged, first_prov);
}

}  // namespace

void add_merge(CLI::App& app) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand("merge", "Add up the summary statistics of shards of cells");
  sub->add_option("inputs", o->inputs, "Summary-statistics files from flashmm sumstats")->required()->check(
      CLI::ExistingFile);
  sub->add_option("-o,--out", o->out, "Output file (.h5)")->required();
  sub->add_flag("--force", o->force, "Overwrite the output file if it exists");
  set_action(sub, [o] { run_merge(*o); });
}

}  // namespace flashmm::cli
