// flashmm merge: add up summary statistics of disjoint shards of cells (same model, same genes).
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>
#include <flashmm/io/stats_merge.hpp>

#include "cli/commands.hpp"
#include "cli/help.hpp"
#include "cli/output_file.hpp"

#include <algorithm>
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
  OutputFiles out({o.out}, o.force, "-o");
  io::StatsProvenance merged_prov;
  SummaryStats merged = io::read_summary_stats(o.inputs.front(), &merged_prov);
  for (std::size_t i = 1; i < o.inputs.size(); ++i) {
    io::StatsProvenance prov;
    const SummaryStats s = io::read_summary_stats(o.inputs[i], &prov);
    io::merge_shard(merged, merged_prov, o.inputs.front(), s, prov, o.inputs[i]);
  }
  out.write(0, [&](const std::string& path) { io::write_summary_stats(path, merged, merged_prov); });
  out.commit();
}

}  // namespace

void add_merge(CLI::App& app) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge", "Add up the summary statistics of shards of cells (exact: shards whose boundaries fall on multiples of " +
                   std::to_string(kCellBlock) + " cells give the bits of one pass; overlapping shards are refused)");
  sub->add_option("inputs", o->inputs, "Summary-statistics files from flashmm sumstats")->required()->check(
      CLI::ExistingFile);
  sub->add_option("-o,--out", o->out, "Output file (.h5)")->required();
  sub->add_flag("--force", o->force, "Replace the output file if it exists");
  sub->footer(merge_help());
  set_action(sub, [o] { run_merge(*o); });
}

}  // namespace flashmm::cli
