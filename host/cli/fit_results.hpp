#pragma once
// Internal: the steps of a fit that every front end shares (the program's de and fit, the Python
// package): the library options from the fit and run options, and the result set written into an
// output directory. Front ends call these rather than repeating them, so that their files agree.
#include <flashmm/de_table.hpp>
#include <flashmm/io/fit_file.hpp>
#include <flashmm/lmm.hpp>

#include "cli/fit_options.hpp"
#include "cli/output_dir.hpp"
#include "cli/run_options.hpp"

namespace flashmm::cli {

/// The library's options for the fit options and the run options (threads, device); no progress.
LmmOptions lmm_options(const FitOptions& o, const RunOptions& run);

/// What fit.h5 records: the model's provenance (model_provenance) plus how it was fitted
/// (method, max_iter, epsilon, df, robust, nonnegative) and what it reports (contrasts, test,
/// nuisance: one value a line), so that a fit read back reports the same tests.
io::FitProvenance fit_provenance(io::FitProvenance model, const FitOptions& o);

/// The values of a list option as fit_provenance records them (one a line), and back.
std::string provenance_text(const std::vector<std::string>& values);
std::vector<std::string> provenance_list(const std::string& text);

/// Writes the result set of a fit into out's temporary files (the gene tables, de.tsv for
/// `table`, and fit.h5 with `provenance`, fim_beta only with o.fim_beta); the tables and fit.h5
/// at the same time on two threads unless threads == 1. The caller commits.
/// progress: the writing stage (files written, files).
void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const io::FitProvenance& provenance,
                       const FitOptions& o, int threads = 0, const ProgressCallback& progress = {});

}  // namespace flashmm::cli
