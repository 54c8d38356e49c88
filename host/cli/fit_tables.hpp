#pragma once
// Internal: the fit and the DE table as tab-separated text files (one concept: the TSV outputs).
#include <flashmm/de_table.hpp>
#include <flashmm/lmm.hpp>

#include "cli/output_dir.hpp"

#include <array>
#include <functional>
#include <string>

namespace flashmm::cli {

// Files go into `out`'s staging folder; the caller commits. Numbers are written in their
// shortest form that reads back to the same double (std::to_chars); NaN is written NA.

/// The files of write_fit_tables (the seven gene matrices, then genes.tsv) and of write_de_table (the last).
inline constexpr std::array<const char*, 9> kTableFiles = {"coef.tsv",  "se.tsv",       "t.tsv",     "p.tsv",
                                                           "theta.tsv", "se_theta.tsv", "dlogL.tsv", "genes.tsv",
                                                           "de.tsv"};

/// coef/se/t/p.tsv, theta/se_theta/dlogL.tsv and genes.tsv (gene niter converged logLik df status).
void write_fit_tables(OutputDir& out, const LmmFit& fit);
/// de.tsv: gene test coef se t df p fdr converged, one row per gene and test.
void write_de_table(OutputDir& out, const DeTable& table);
/// The tables and de.tsv, and the fit file `fit_file` through write_fit_file(path) at the same
/// time on a second thread (unless threads == 1): the writing of a result set on two cores.
void write_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const std::string& fit_file,
                   const std::function<void(const std::string&)>& write_fit_file, int threads);

}  // namespace flashmm::cli
