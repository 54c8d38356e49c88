// flashmm merge: add up summary statistics of disjoint shards of cells (same model, same genes).
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include "cli/commands.hpp"
#include "cli/output_file.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

namespace flashmm::cli {

namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string out;
  bool force = false;
};

std::string joined(const std::vector<std::string>& v, const std::string& sep = "; ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// "only in A: x, y; only in B: z" for two lists of names (at most a few of each).
std::string name_difference(const std::vector<std::string>& a, const std::vector<std::string>& b,
                            const std::string& a_name, const std::string& b_name) {
  const std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  auto only = [](const std::vector<std::string>& v, const std::set<std::string>& other) {
    std::vector<std::string> out;
    for (const auto& x : v)
      if (!other.count(x)) out.push_back("'" + x + "'");
    const std::size_t n = out.size();
    if (n > 5) out.resize(5), out.push_back("... (" + std::to_string(n) + " in all)");
    return joined(out, ", ");
  };
  std::string s;
  const std::string in_a = only(a, sb), in_b = only(b, sa);
  if (!in_a.empty()) s += "only in '" + a_name + "': " + in_a;
  if (!in_b.empty()) s += std::string(s.empty() ? "" : "; ") + "only in '" + b_name + "': " + in_b;
  if (s.empty()) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
      if (a[i] != b[i])
        return "the same names in another order (number " + std::to_string(i + 1) + " is '" + a[i] + "' in '" + a_name +
               "' and '" + b[i] + "' in '" + b_name + "')";
  }
  return s;
}

// Throws InputError naming what differs between two files' models, in the user's terms.
void check_same_model(const SummaryStats& a, const io::StatsProvenance& pa, const std::string& a_name,
                      const SummaryStats& b, const io::StatsProvenance& pb, const std::string& b_name) {
  const std::string head = "cannot merge '" + b_name + "' into '" + a_name + "': ";
  const std::string tail = "; only shards of cells of the same model merge";
  if (pa.transform != pb.transform)
    throw InputError(head + "made with --transform " + pb.transform + ", '" + a_name + "' with --transform " +
                     pa.transform + tail);
  if (pa.fixed_formula != pb.fixed_formula)
    throw InputError(head + "the fixed formula is '" + pb.fixed_formula + "', in '" + a_name + "' '" +
                     pa.fixed_formula + "'" + tail);
  if (pa.random_formulas != pb.random_formulas)
    throw InputError(head + "the random formula is '" + joined(pb.random_formulas) + "', in '" + a_name + "' '" +
                     joined(pa.random_formulas) + "'" + tail);
  if (a.gene_names != b.gene_names)
    throw InputError(head + "the genes differ (" + std::to_string(b.genes()) + " and " + std::to_string(a.genes()) +
                     "; " + name_difference(a.gene_names, b.gene_names, a_name, b_name) +
                     "); make both from inputs with the same genes");
  if (a.fixed_names != b.fixed_names)
    throw InputError(head + "the fixed-effect columns differ (" + name_difference(a.fixed_names, b.fixed_names, a_name, b_name) +
                     "): the shards' metadata have different levels. Make every shard from the same metadata "
                     "(sumstats --cell-range on the whole input keeps all levels)");
  if (a.random_names != b.random_names || a.d != b.d)
    throw InputError(head + "the random-effect columns differ (" +
                     name_difference(a.random_names, b.random_names, a_name, b_name) +
                     "): the shards' metadata have different levels. Make every shard from the same metadata "
                     "(sumstats --cell-range on the whole input keeps all levels)");
}

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
    check_same_model(merged, merged_prov, o.inputs.front(), s, prov, o.inputs[i]);
    try {
      io::add_cell_spans(merged_prov.cells, prov.cells);
      merged.merge(s);
    } catch (const InputError& e) {
      throw InputError("cannot merge '" + o.inputs[i] + "': " + e.what());
    }
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
  sub->footer(kOutputFileHelp);
  set_action(sub, [o] { run_merge(*o); });
}

}  // namespace flashmm::cli
