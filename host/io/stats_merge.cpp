#include <flashmm/io/stats_merge.hpp>

#include <flashmm/error.hpp>

#include <set>
#include <string>
#include <vector>

namespace flashmm::io {

namespace {

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
void check_same_model(const SummaryStats& a, const StatsProvenance& pa, const std::string& a_name,
                      const SummaryStats& b, const StatsProvenance& pb, const std::string& b_name) {
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
  if (pa.subset != pb.subset)
    throw InputError(head + (pb.subset.empty() ? "made from all cells" : "made with --subset '" + pb.subset + "'") +
                     ", '" + a_name + "' " +
                     (pa.subset.empty() ? "from all cells" : "with --subset '" + pa.subset + "'") + tail);
  // Statistics made without the record (Python's, from a matrix in memory) leave it to the user.
  if (!pa.matrix.empty() && !pb.matrix.empty() && pa.matrix != pb.matrix)
    throw InputError(head + "made from the input's " + pb.matrix + ", '" + a_name + "' from its " + pa.matrix +
                     " (--layer / --use-raw)" + tail);
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

}  // namespace

void merge_shard(SummaryStats& merged, StatsProvenance& merged_provenance, const std::string& merged_name,
                 const SummaryStats& stats, const StatsProvenance& provenance, const std::string& name) {
  check_same_model(merged, merged_provenance, merged_name, stats, provenance, name);
  try {
    std::vector<CellSpan> cells = merged_provenance.cells;
    add_cell_spans(cells, provenance.cells);  // refuses overlapping shards
    merged.merge(stats);
    merged_provenance.cells = std::move(cells);
  } catch (const InputError& e) {
    throw InputError("cannot merge '" + name + "' into '" + merged_name + "': " + e.what());
  }
}

}  // namespace flashmm::io
