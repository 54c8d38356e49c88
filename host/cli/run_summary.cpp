#include "cli/run_summary.hpp"

#include <cstdio>

namespace flashmm::cli {

std::string run_summary(const LmmFit& fit, const DeTable& table) {
  Index fitted = 0, converged = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) {
    const GeneStatus s = fit.status[static_cast<std::size_t>(g)];
    fitted += s != GeneStatus::filtered && s != GeneStatus::all_zero;
    converged += fit.converged(g);
  }
  std::string out = std::to_string(fitted) + " genes fitted, " + std::to_string(converged) + " converged";
  if (table.tests.empty()) return out;
  char cut[16];
  std::snprintf(cut, sizeof cut, "%g", kSummaryFdr);
  out += std::string("; DE genes at FDR < ") + cut + ":";
  // A line, not a table: the first tests, and how many more (de.tsv has them all).
  constexpr std::size_t kShown = 12;
  for (std::size_t t = 0; t < table.tests.size(); ++t) {
    if (t == kShown) {
      out += ", and " + std::to_string(table.tests.size() - kShown) + " more tests (de.tsv)";
      break;
    }
    const DeTest& test = table.tests[t];
    Index calls = 0;
    for (Index g = 0; g < test.fdr.size(); ++g) calls += test.fdr(g) < kSummaryFdr;  // NaN: not a call
    out += (t ? ", " : " ") + test.name + " " + std::to_string(calls);
  }
  return out;
}

void show_summary(const std::string& summary, bool quiet) {
  if (!quiet) std::fprintf(stderr, "done: %s\n", summary.c_str());
}

}  // namespace flashmm::cli
