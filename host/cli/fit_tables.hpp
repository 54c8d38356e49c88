#pragma once
// Internal: the fit and the DE table as tab-separated text files (one concept: the TSV outputs).
#include <flashmm/de_table.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/progress.hpp>

#include "cli/output_dir.hpp"

#include <array>
#include <functional>
#include <string>

namespace flashmm::cli {

// Files go into `out`'s staging folder; the caller commits. Numbers are written in their
// shortest form that reads back to the same double (std::to_chars); NaN is written NA.

/// The files of write_fit_tables (the seven gene matrices, then genes.tsv) and of write_de_table
/// (the last three: de.tsv, top.tsv and columns.txt, which says what their columns mean).
inline constexpr std::array<const char*, 11> kTableFiles = {
    "coef.tsv",  "se.tsv",    "t.tsv",  "p.tsv",  "theta.tsv",  "se_theta.tsv",
    "dlogL.tsv", "genes.tsv", "de.tsv", "top.tsv", "columns.txt"};
/// The files write_de_table writes.
inline constexpr std::array<const char*, 3> kDeTableFiles = {"de.tsv", "top.tsv", "columns.txt"};

/// The columns of de.tsv and top.tsv.
inline constexpr std::array<const char*, 11> kDeColumns = {"gene", "test", "coef", "se", "t", "df", "p",
                                                           "fdr",  "mean", "nonzero_fraction", "converged"};

/// What columns.txt says about how the numbers were made.
struct DeTableInfo {
  std::string transform = "log2p1";  ///< of the modelled values (coef's scale)
  DfMethod df = DfMethod::satterthwaite;
};

/// coef/se/t/p.tsv, theta/se_theta/dlogL.tsv and genes.tsv (gene niter converged logLik df status).
void write_fit_tables(OutputDir& out, const LmmFit& fit);
/// de.tsv: one row per gene and reported test, genes in order (kDeColumns); top.tsv: the same
/// rows of the converged genes sorted by p (ties in de.tsv's order), as limma's topTable;
/// columns.txt: what the columns mean, with limma's and muscat's names for them. The rows are
/// formatted once, on `threads` threads (0: all), for both tables; the bytes do not depend on it.
void write_de_table(OutputDir& out, const DeTable& table, const DeTableInfo& info, int threads);
/// The tables, the DE tables and the fit file (fit_file_task: writes it, or waits for it where it
/// was started earlier), each file a task taken by `threads` threads (0: all; 1: one after the
/// other), the largest first. progress(writing, files written, files) after each file.
void write_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const DeTableInfo& info,
                   const std::function<void()>& fit_file_task, int threads, const ProgressCallback& progress = {});

}  // namespace flashmm::cli
