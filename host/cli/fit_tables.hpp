#pragma once
// Internal: the fit and the DE table as tab-separated text files (one concept: the TSV outputs).
#include <flashmm/de_table.hpp>
#include <flashmm/lmm.hpp>

#include "cli/output_dir.hpp"

namespace flashmm::cli {

/// Writes coef/se/t/p.tsv, theta/se_theta/dlogL.tsv, genes.tsv and de.tsv into `out` (as
/// temporary files; the caller commits). Numbers use %.17g so they read back to the same double;
/// NaN is written NA.
void write_fit_tables(OutputDir& out, const LmmFit& fit, const DeTable& table);

}  // namespace flashmm::cli
