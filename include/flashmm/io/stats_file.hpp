#pragma once
// Summary statistics as a file (flashmm sumstats / merge / fit): an HDF5 file holding n, XX, XY,
// ZX, ZY, ZZ, Ynorm, the names and d, and how they were made (transform, formulas), so that
// shards of cells computed apart can be checked for compatibility and merged exactly.
#include <flashmm/summary_stats.hpp>

#include <string>
#include <vector>

namespace flashmm::io {

/// How the statistics were made; shards merge only when these agree.
struct StatsProvenance {
  std::string transform;                  ///< "log2p1" or "none"
  std::string fixed_formula;
  std::vector<std::string> random_formulas;
};

/// Writes through a temporary name renamed at the end: a failed write leaves no file.
/// Layout: attributes format="flashmm-summary-stats", version=1, n, transform, fixed_formula,
/// random_formulas; datasets XX (p x p), XY (p x G), ZX (q x p), ZY (q x G), ZZ (q x q), Ynorm (G),
/// d (k), fixed_names, random_names, component_names, gene_names. Matrices are 2-D, row-major.
void write_summary_stats(const std::string& path, const SummaryStats& stats, const StatsProvenance& provenance);

/// Reads a file written by write_summary_stats; IoError naming the file when it is not one.
SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance = nullptr);

}  // namespace flashmm::io
