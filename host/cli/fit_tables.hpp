#pragma once
// Internal: the fit and the DE table as tab-separated text files (one concept: the TSV outputs).
#include <flashmm/de_table.hpp>
#include <flashmm/lmm.hpp>

#include "cli/output_dir.hpp"

namespace flashmm::cli {

// Files go into `out` as temporary files; the caller commits. Numbers use %.17g so they read back
// to the same double; NaN is written NA.

/// coef/se/t/p.tsv, theta/se_theta/dlogL.tsv and genes.tsv (gene niter converged logLik df status).
void write_fit_tables(OutputDir& out, const LmmFit& fit);
/// de.tsv: gene test coef se t df p fdr converged, one row per gene and test.
void write_de_table(OutputDir& out, const DeTable& table);

}  // namespace flashmm::cli
