#pragma once
// The per-gene results of the ranks' fits, brought to rank 0 as one fit of every gene: each
// rank fitted its genes (gene_split.hpp) and skipped the others; a gene's numbers do not depend
// on the other genes (columnwise products), so the assembled fit has the bits of one process's.
// Communication: one gather to rank 0 of each gene's per-gene arrays (p x (5 + p, or 5 + 2p with
// the Fisher information of beta) + (k + 1)(k + 4) + q + 3 doubles).
#include <flashmm/lmm.hpp>

#include <vector>

namespace flashmm::dist {

/// Rank 0: puts into `fit` (its own genes fitted) every other rank's genes, by owner (owner[g]:
/// the rank that fitted gene g), and recounts the warnings and notes that count genes by status,
/// so that they are those of one fit of all genes. The other ranks send their genes; their `fit`
/// is left as it was. fim_beta is gathered where the fits hold it (LmmOptions::fim_beta, the
/// same on every rank). Agrees first (agreement.hpp).
void gather_fit(LmmFit& fit, const std::vector<int>& owner, const LmmOptions& options);

}  // namespace flashmm::dist
