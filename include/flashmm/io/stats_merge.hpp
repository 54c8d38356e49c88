#pragma once
// The one rule for merging shards of summary statistics (flashmm merge, the Python package's
// merge): only statistics of the same model made from the same cells' values merge, and no two
// shards may cover the same cells of one input.
#include <flashmm/io/stats_file.hpp>

#include <string>

namespace flashmm::io {

/// Adds the shard (stats, provenance; named `name` in messages) to merged (named merged_name).
/// InputError naming both and what differs, in the user's terms (--transform, the formulas,
/// --subset, --layer/--use-raw, the genes, the design columns), or naming the overlapping cell
/// ranges; merged and merged_provenance are unchanged then.
void merge_shard(SummaryStats& merged, StatsProvenance& merged_provenance, const std::string& merged_name,
                 const SummaryStats& stats, const StatsProvenance& provenance, const std::string& name);

}  // namespace flashmm::io
