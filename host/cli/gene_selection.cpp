#include "cli/gene_selection.hpp"

#include <flashmm/error.hpp>

#include "cli/option_checks.hpp"

#include <cmath>
#include <fstream>
#include <unordered_set>

namespace flashmm::cli {

void add_gene_filter_options(CLI::App* sub, GeneFilterOptions& o) {
  sub->add_option("--min-cells", o.min_cells,
                  "Fit only genes with a nonzero value in at least this many of the model's cells; the others get "
                  "status filtered, NA results, and are left out of the FDR (0: fit every gene)")
      ->capture_default_str()
      ->check(whole_number(0));
  sub->add_option("--min-fraction", o.min_fraction,
                  "The same as a fraction of the model's cells, e.g. 0.01 (the larger threshold applies)")
      ->capture_default_str()
      ->check(fraction());
  sub->add_option("--gene-list", o.gene_list,
                  "Fit only the genes named in this file, one a line (or the first column of a TSV); the others get "
                  "status filtered");
}

namespace {

std::vector<std::string> read_gene_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("--gene-list: cannot open '" + path + "'");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line = line.substr(0, line.find('\t'));
    if (!line.empty()) names.push_back(line);
  }
  if (names.empty()) throw InputError("--gene-list '" + path + "' names no gene");
  return names;
}

std::string examples(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out + (names.size() > 3 ? ", ..." : "");
}

}  // namespace

namespace {
// SummaryStats::nnz (per-gene nonzero cells) arrives with the stats-file version 2; until a
// build has it, the thresholds cannot be applied. Written so that either compiles.
template <class Stats>
std::span<const std::int64_t> nnz_of(const Stats& stats) {
  if constexpr (requires { stats.nnz.data(); stats.nnz.size(); })
    return {stats.nnz.data(), static_cast<std::size_t>(stats.nnz.size())};
  else
    return {};
}
}  // namespace

std::span<const std::int64_t> nonzero_cells(const SummaryStats& stats) { return nnz_of(stats); }

GeneSelection select_genes(const std::vector<std::string>& genes, std::span<const std::int64_t> nonzero_cells,
                           std::int64_t n_cells, const GeneFilterOptions& o) {
  const std::size_t G = genes.size();
  GeneSelection s;
  std::vector<std::uint8_t> skip(G, 0);
  const auto threshold = std::max<std::int64_t>(
      o.min_cells, static_cast<std::int64_t>(std::ceil(o.min_fraction * static_cast<double>(n_cells))));
  if (nonzero_cells.size() != G) nonzero_cells = {};
  if (threshold > 0 && !nonzero_cells.empty()) {
    for (std::size_t g = 0; g < G; ++g)
      if (nonzero_cells[g] < threshold) {
        skip[g] = 1;
        ++s.few_cells;
      }
    if (s.few_cells > 0)
      s.notes.push_back(std::to_string(s.few_cells) + " of " + std::to_string(G) +
                        " genes have a nonzero value in fewer than " + std::to_string(threshold) + " of the " +
                        std::to_string(n_cells) + " cells and are not fitted (status filtered; --min-cells, "
                        "--min-fraction)");
  } else if (threshold > 0 && (o.min_cells != GeneFilterOptions{}.min_cells || o.min_fraction > 0)) {
    // Asked for, but not possible: say so rather than fit every gene as if it had been applied.
    throw InputError("--min-cells/--min-fraction need each gene's count of nonzero cells, which these summary "
                     "statistics do not hold; use --gene-list, or compute the statistics again");
  }
  if (!o.gene_list.empty()) {
    const std::vector<std::string> listed = read_gene_list(o.gene_list);
    const std::unordered_set<std::string> wanted(listed.begin(), listed.end());
    const std::unordered_set<std::string> have(genes.begin(), genes.end());
    std::vector<std::string> unknown;
    for (const auto& n : listed)
      if (!have.count(n)) unknown.push_back(n);
    if (unknown.size() == listed.size())
      throw InputError("--gene-list '" + o.gene_list + "': none of its " + std::to_string(listed.size()) +
                       " names is a gene of the input (e.g. " + examples(unknown) + "; the input's genes are " +
                       examples(genes) + ")");
    Index listed_present = 0;
    for (std::size_t g = 0; g < G; ++g) {
      if (wanted.count(genes[g])) {
        ++listed_present;
        continue;
      }
      if (skip[g] == 0) ++s.not_listed;
      skip[g] = 1;
    }
    s.notes.push_back("--gene-list: " + std::to_string(listed_present) + " of the " + std::to_string(G) +
                      " genes are listed; the others are not fitted (status filtered)" +
                      (unknown.empty() ? std::string()
                                       : "; " + std::to_string(unknown.size()) + " listed names are no gene of the input (" +
                                             examples(unknown) + ")"));
  }
  for (auto k : skip) s.fitted += k == 0;
  if (s.fitted == 0)
    throw InputError("no gene is left to fit: " + std::to_string(s.few_cells) + " have too few cells with a nonzero "
                     "value (--min-cells, --min-fraction), " + std::to_string(s.not_listed) + " are not in --gene-list");
  if (s.few_cells + s.not_listed > 0) s.skip = std::move(skip);
  return s;
}

}  // namespace flashmm::cli
