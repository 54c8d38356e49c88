#pragma once
// Internal: the cell metadata a command models, aligned with the cells of the count matrix.
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/metadata.hpp>

#include <string>
#include <vector>

namespace flashmm::cli {

struct MetadataSource {
  std::string input;                     ///< the matrix file (its obs is used for .h5ad)
  std::string metadata_file;             ///< --metadata; empty: the input's obs (h5ad only)
  std::vector<std::string> categorical;  ///< --categorical
};

/// Reads the metadata (from --metadata or the .h5ad's obs), makes the --categorical columns
/// categorical, and reorders its rows to reader.cell_ids() (extra metadata rows are ignored).
/// Throws InputError when matrix cells lack metadata (how many, and a few ids), when ids repeat,
/// or when a --categorical column is unknown.
Metadata load_cell_metadata(const MetadataSource& source, const io::MatrixReader& reader);

/// Adds the columns `libsize` (total counts per cell, before any transform) and `nfeatures`
/// (nonzero entries per cell) when a formula names them and the metadata lacks them, computed
/// in one pass over the reader (which is rewound afterwards).
void add_cell_totals(Metadata& metadata, io::MatrixReader& reader, const std::vector<std::string>& formulas,
                     Index chunk_cells);

/// True if `formula` reads the metadata column `name` (false for a formula that does not parse).
bool formula_mentions(const std::string& formula, const std::string& name);

}  // namespace flashmm::cli
