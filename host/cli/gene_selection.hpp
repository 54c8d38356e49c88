#pragma once
// Internal: which genes a fit leaves out (--min-cells, --min-fraction, --gene-list), as the
// mask LmmOptions::skip_genes takes (status filtered, out of the FDR), with what to tell the user.
#include <flashmm/summary_stats.hpp>
#include <flashmm/types.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flashmm::cli {

struct GeneFilterOptions {
  /// Genes with a nonzero value in fewer of the model's cells are not fitted. The default leaves
  /// out genes seen in one or two cells, whose fits mean nothing (scanpy users filter the same
  /// way, sc.pp.filter_genes(min_cells = 3)).
  Index min_cells = 3;
  /// The same as a fraction of the model's cells (the larger threshold applies).
  double min_fraction = 0;
  /// A file of gene names, one a line (or the first column of a TSV): only these are fitted.
  std::string gene_list;
};

/// Registers --min-cells, --min-fraction and --gene-list.
void add_gene_filter_options(CLI::App* sub, GeneFilterOptions& o);

struct GeneSelection {
  std::vector<std::uint8_t> skip;  ///< one per gene, 1 = not fitted; empty when every gene is fitted
  Index fitted = 0;
  Index few_cells = 0;   ///< left out by --min-cells / --min-fraction
  Index not_listed = 0;  ///< left out by --gene-list
  std::vector<std::string> notes;  ///< what was left out and why, for the user
};

/// Per gene, the model's cells with a nonzero value, as the statistics count them; empty where
/// they do not.
std::span<const std::int64_t> nonzero_cells(const SummaryStats& stats);

/// The genes to fit. `nonzero_cells`: per gene, the model's cells with a nonzero value (empty
/// when not known: the cell thresholds are then not applied, with a note); n_cells: the model's
/// cells. Throws InputError for an unreadable or empty gene list, a list naming no gene of the
/// input, and a selection that leaves no gene.
GeneSelection select_genes(const std::vector<std::string>& genes, std::span<const std::int64_t> nonzero_cells,
                           std::int64_t n_cells, const GeneFilterOptions& options);

}  // namespace flashmm::cli
