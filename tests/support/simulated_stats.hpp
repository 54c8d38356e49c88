#pragma once
// Summary statistics of simulated normal data sets with several random components, for the tests
// that compare the fit's paths (structured against general) on shapes s1 does not have.
#include <flashmm/summary_stats.hpp>

#include <cstdint>
#include <vector>

namespace flashmm::testing {

struct SimulatedDesign {
  std::vector<int> levels;    ///< levels of each random component (d), in the model's order
  int cell_types = 4;         ///< X = [log libsize, cell types, cell type x treatment] (p = 1 + 2 types)
  Index cells = 2000;
  Index genes = 8;
  /// Each cell also loads 0.5 on the next level of component `crossed` (when >= 0), so that
  /// component's block of ZZ is not diagonal.
  int crossed = -1;
  std::uint64_t seed = 1;
};

/// Cells get a level of each component at random (treatment: the parity of the first
/// component's level); gene g draws its component variances so that some genes have none
/// (estimates near or below 0) and others large ones.
SummaryStats simulated_stats(const SimulatedDesign& design);

}  // namespace flashmm::testing
