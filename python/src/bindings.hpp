#pragma once
// The objects the module hands to Python and the registration of each part of the module.
#include <flashmm/de_table.hpp>
#include <flashmm/io/fit_file.hpp>
#include <flashmm/io/stats_file.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include "cli/fit_options.hpp"

#include <pybind11/pybind11.h>

#include <memory>

namespace flashmm::python {

namespace py = pybind11;

/// Summary statistics with how they were made (flashmm.Stats).
struct StatsHolder {
  SummaryStats stats;
  io::StatsProvenance provenance;
};

/// A fit with what its files need (flashmm.DEResult): how it was made, and the DE table of every
/// coefficient and the fit's contrasts.
struct FitHolder {
  std::shared_ptr<const LmmFit> fit;
  cli::FitOptions options;   ///< method ... nonnegative, and the contrasts
  io::FitProvenance model;   ///< input, fixed, random, transform (or what fit.h5 held)
  DeTable table;
};

void bind_data(py::module_& m);
void bind_fit(py::module_& m);
void bind_simulate(py::module_& m);

}  // namespace flashmm::python
