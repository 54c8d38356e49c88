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

#include <future>

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

/// fit.h5 of a result set (with `provenance`; fim_beta only with o.fim_beta), written into out on
/// a thread of its own from construction on, unless threads == 1 (then by finish()): the file
/// depends on the fit alone, so it is made while the caller tests the contrasts and formats the
/// tables, rather than left as the longest task of the writing stage. HDF5 is used on that thread
/// only until finish(). `out` and `fit` must outlive the task, and `fit` must not change.
class FitFileTask {
 public:
  FitFileTask(OutputDir& out, const LmmFit& fit, io::FitProvenance provenance, const FitOptions& o, int threads);
  /// Waits for fit.h5 (or writes it here); rethrows what stopped it (an IoError naming DIR/fit.h5).
  void finish();
  /// What fit.h5 records of the run.
  const io::FitProvenance& provenance() const { return provenance_; }
  /// Waits for a file still being written (its error is dropped: the run stops for another one).
  ~FitFileTask();
  FitFileTask(const FitFileTask&) = delete;
  FitFileTask& operator=(const FitFileTask&) = delete;

 private:
  void write() const;

  OutputDir& out_;
  const LmmFit& fit_;
  io::FitProvenance provenance_;
  io::FitFileOptions options_;
  std::future<void> started_;
  bool done_ = false;
};

/// Writes the result set of a fit into out's temporary files: the gene tables, de.tsv for
/// `table` and the rest, each file a task on `threads` threads; fit.h5 is fit_file's (finished
/// among the tasks). The caller commits. progress: the writing stage (files written, files).
void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, FitFileTask& fit_file,
                       const FitOptions& o, int threads = 0, const ProgressCallback& progress = {});
/// The same with fit.h5 written among the other files (`provenance` as FitFileTask takes it).
void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const io::FitProvenance& provenance,
                       const FitOptions& o, int threads = 0, const ProgressCallback& progress = {});

}  // namespace flashmm::cli
