#pragma once
// Internal: the last line of a run, what a user checks first: how many genes were fitted and
// converged, and how many DE calls each reported test has at FDR < 0.05.
#include <flashmm/de_table.hpp>
#include <flashmm/lmm.hpp>

#include <string>

namespace flashmm::cli {

/// The FDR cut-off of the summary's DE calls.
inline constexpr double kSummaryFdr = 0.05;

/// "60 genes fitted, 58 converged; DE genes at FDR < 0.05: cls1:trtB 12, cls2:trtB 3" (genes
/// fitted: not left out by the gene filters nor all zero; the first 12 tests, then how many more).
std::string run_summary(const LmmFit& fit, const DeTable& table);

/// Prints "done: SUMMARY" on stderr unless quiet.
void show_summary(const std::string& summary, bool quiet);

}  // namespace flashmm::cli
