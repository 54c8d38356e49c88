// Which features of a 10x input (directory or .h5) are read, and under which names. Cell
// Ranger v3 files list every feature with its type (Gene Expression, Antibody Capture, CRISPR
// Guide Capture, Peaks, ...); like scanpy's read_10x_h5 (gex_only=True) only gene expression is
// read by default, so antibody counts are neither fitted as genes nor added to libsize.
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <algorithm>

namespace flashmm::detail {

namespace {

constexpr const char* kGeneExpression = "Gene Expression";

// Distinct types in order of first appearance, with their counts.
std::vector<std::pair<std::string, Index>> type_counts(const std::vector<std::string>& types) {
  std::vector<std::pair<std::string, Index>> out;
  for (const auto& t : types) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == t; });
    if (it == out.end()) out.emplace_back(t, 1);
    else ++it->second;
  }
  return out;
}

std::string listing(const std::vector<std::pair<std::string, Index>>& counts) {
  std::string s;
  for (const auto& [t, n] : counts) s += (s.empty() ? "'" : ", '") + t + "' (" + std::to_string(n) + ")";
  return s;
}

}  // namespace

FeatureSelection select_features(const std::vector<std::string>& ids, const std::vector<std::string>& names,
                                 const std::vector<std::string>& types, const io::ReaderOptions& options,
                                 const std::string& where, std::vector<std::string>& warnings) {
  const std::string& column = options.gene_column;
  bool use_ids = false;
  if (column == "id" || column == "gene_ids") use_ids = true;
  else if (!column.empty() && column != "name" && column != "gene_symbols")
    throw OptionError("gene_column", where + ": a 10x input holds feature ids and names, not '" + column +
                                         "': give 'id' (or 'gene_ids') for the ids, 'name' (or 'gene_symbols', the "
                                         "default) for the names");
  const std::vector<std::string>& source = use_ids ? ids : names;

  FeatureSelection sel;
  const auto& wanted = options.feature_types;
  const bool all = std::find(wanted.begin(), wanted.end(), "all") != wanted.end();
  if (types.empty() || all) {
    if (types.empty() && !wanted.empty() && !all &&
        std::any_of(wanted.begin(), wanted.end(), [](const auto& t) { return t != kGeneExpression; }))
      throw OptionError("feature_types", where + ": lists no feature types (a Cell Ranger v2 file: every feature is a "
                                           "gene): drop the option or give 'Gene Expression'");
    sel.gene_names = source;
    return sel;
  }
  const auto counts = type_counts(types);
  const std::vector<std::string> keep = wanted.empty() ? std::vector<std::string>{kGeneExpression} : wanted;
  for (const auto& t : keep)
    if (std::none_of(counts.begin(), counts.end(), [&](const auto& p) { return p.first == t; }))
      throw OptionError("feature_types", where + ": has no features of type '" + t +
                                             (wanted.empty() ? "' (read by default)" : "'") + "; its feature types are " +
                                             listing(counts) + ": choose among them (or 'all')");
  sel.gene_map.assign(types.size(), -1);
  std::int32_t next = 0;
  for (std::size_t f = 0; f < types.size(); ++f)
    if (std::find(keep.begin(), keep.end(), types[f]) != keep.end()) {
      sel.gene_map[f] = next++;
      sel.gene_names.push_back(source[f]);
    }
  if (static_cast<std::size_t>(next) == types.size()) {
    sel.gene_map.clear();  // every feature read
    return sel;
  }
  std::vector<std::pair<std::string, Index>> left_out;
  for (const auto& p : counts)
    if (std::find(keep.begin(), keep.end(), p.first) == keep.end()) left_out.push_back(p);
  std::vector<std::pair<std::string, Index>> kept;
  for (const auto& p : counts)
    if (std::find(keep.begin(), keep.end(), p.first) != keep.end()) kept.push_back(p);
  warnings.push_back(where + ": read the features of type " + listing(kept) + " and left out " + listing(left_out) +
                     ", which are neither fitted nor counted in libsize (the feature_types option chooses the "
                     "types; 'all' reads every feature)");
  return sel;
}

}  // namespace flashmm::detail
