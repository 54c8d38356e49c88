// flashmm sumstats: the summary statistics of a model as a file. Shards of cells computed apart
// (--cell-range) merge exactly with flashmm merge; flashmm fit fits them.
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include "cli/commands.hpp"
#include "cli/data_options.hpp"
#include "cli/help.hpp"
#include "cli/output_file.hpp"
#include "dist/communicator.hpp"

#include <memory>
#include <optional>
#include <string>

namespace flashmm::cli {

namespace {

struct SumstatsOptions {
  DataOptions data;
  std::string cell_range;
  std::string out;
  bool force = false;
};

void run_sumstats(const SumstatsOptions& o) {
  // Under MPI every rank streams its share of the cells (of --cell-range); rank 0 alone writes.
  std::optional<OutputFiles> out;
  if (dist::world().root()) out.emplace(std::vector<std::string>{o.out}, o.force, "-o");
  const CellRange range = o.cell_range.empty() ? CellRange{} : parse_cell_range(o.cell_range);
  io::StatsProvenance prov;
  const SummaryStats stats = stream_summary_stats(o.data, range, {}, &prov);
  if (!out) return;
  out->write(0, [&](const std::string& path) { io::write_summary_stats(path, stats, prov, o.data.run.threads); });
  out->commit();
}

}  // namespace

void add_sumstats(CLI::App& app) {
  auto o = std::make_shared<SumstatsOptions>();
  CLI::App* sub = app.add_subcommand("sumstats", "Compute the summary statistics of a model into a file");
  add_data_options(sub, o->data);
  sub->add_option("--cell-range", o->cell_range,
                  "Only cells START:END of the input (1-based, inclusive), for shards merged later. Shards that "
                  "start at cell 1 + a multiple of " + std::to_string(kCellBlock) +
                  " merge to exactly the statistics of all cells at once (others to rounding)");
  sub->add_option("-o,--out", o->out, "Output file (.h5)")->required();
  sub->add_flag("--force", o->force, "Replace the output file if it exists");
  sub->footer(sumstats_help());
  set_action(sub, [o] { run_sumstats(*o); });
}

}  // namespace flashmm::cli
