#pragma once
// Internal: the options of the fit and the tests (de, fit), and the fit-and-write step that
// turns summary statistics into the output directory.
#include <flashmm/contrast.hpp>
#include <flashmm/io/fit_file.hpp>
#include <flashmm/io/stats_file.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <CLI/CLI.hpp>

#include "cli/gene_selection.hpp"
#include "cli/run_options.hpp"
#include "cli/test_selection.hpp"

#include <string>
#include <vector>

namespace flashmm::cli {

struct FitOptions {
  std::vector<std::string> contrasts;
  std::string method = "reml";
  int max_iter = 50;
  double epsilon = 1e-5;
  std::vector<double> theta0;
  std::string df = "satterthwaite";  ///< as lmerTest; "residual": FLASHMM's n - p
  bool robust = false;
  bool nonnegative = false;
  bool fim_beta = false;  ///< write the Fisher information of beta into fit.h5
  std::string out;
  bool force = false;
  GeneFilterOptions genes;  ///< --min-cells, --min-fraction, --gene-list
  TestSelection tests;      ///< --test, --nuisance: the tests de.tsv and top.tsv report
};

/// Registers the fit, test and output options on a subcommand.
void add_fit_options(CLI::App* sub, FitOptions& o);

/// The files a fit writes into --out (checked for overwriting before any work).
const std::vector<std::string>& fit_output_names();

/// The reported tests (test_selection.hpp) of a model with these coefficients and fixed
/// formula: --test, --contrast and --nuisance, checked against the design's names.
std::vector<Contrast> tests_for(const std::vector<std::string>& fixed_names, const std::string& fixed_formula,
                                const FitOptions& o);

/// What fit.h5 records of the model: input, fixed, random (joined by "; "), transform, and the
/// subset and matrix where the statistics record them.
io::FitProvenance model_provenance(const std::string& input, const io::StatsProvenance& stats);

/// Fits every gene, tests, and writes the tables and fit.h5 into out (committed at the end).
/// Provenance goes into fit.h5. Under MPI every rank fits its share of the genes and rank 0,
/// the only one with an `out` (null on the others), gathers them, tests and writes.
void fit_and_write(SummaryStats&& stats, const FitOptions& o, const RunOptions& run, io::FitProvenance provenance,
                   class OutputDir* out);

}  // namespace flashmm::cli
