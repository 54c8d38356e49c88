#pragma once
// Which genes each rank fits: contiguous runs of genes of equal expected cost. A gene's fit costs
// the same whatever the number of cells (it needs only the summary statistics), so the expected
// cost is one unit per gene that is fitted and none for a gene left out (filtered, or without a
// nonzero value).
#include <flashmm/types.hpp>

#include <cstdint>
#include <vector>

namespace flashmm::dist {

/// owner[g]: the rank that fits gene g. fitted[g] != 0 for the genes that will be fitted (cost 1;
/// the others cost nothing and go with their neighbours). Every rank gets an equal share of the
/// fitted genes, to one gene, in gene order.
std::vector<int> share_genes(const std::vector<std::uint8_t>& fitted, int ranks);

/// The skip list (LmmOptions::skip_genes) of rank `rank`: `skip` (empty: none) plus every gene
/// another rank fits.
std::vector<std::uint8_t> skip_others(const std::vector<std::uint8_t>& skip, const std::vector<int>& owner, int rank);

}  // namespace flashmm::dist
