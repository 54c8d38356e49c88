#pragma once
// Internal: the cell metadata a command models, aligned with the cells of the count matrix.
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/metadata.hpp>

#include <string>
#include <vector>

namespace flashmm::cli {

struct MetadataSource {
  std::string input;                     ///< the matrix file (its obs is used for .h5ad)
  std::string metadata_file;             ///< --metadata; empty: the input's own (h5ad obs, 10x metadata.csv)
  std::vector<std::string> categorical;  ///< --categorical
  char delimiter = '\0';                 ///< --metadata-sep; '\0': from the file name
};

/// Reads the metadata (from --metadata or the .h5ad's obs), makes the --categorical columns
/// categorical, and reorders its rows to reader.cell_ids() (extra metadata rows are ignored).
/// Throws InputError when matrix cells lack metadata (how many, and a few ids), when ids repeat,
/// or when a --categorical column is unknown.
Metadata load_cell_metadata(const MetadataSource& source, const io::MatrixReader& reader);

/// Adds the cell totals `names` (libsize: total counts per cell, before any transform;
/// nfeatures: nonzero entries per cell) as metadata columns, computed in one pass over the
/// reader, which is rewound afterwards. Only for uses that need every cell's total before the
/// design is built (cell_totals_use(): scale(libsize), a factor, --subset); per-cell uses get
/// them chunk by chunk in the main pass instead.
void add_cell_totals(Metadata& metadata, io::MatrixReader& reader, const std::vector<std::string>& names,
                     Index chunk_cells, bool quiet);

}  // namespace flashmm::cli
