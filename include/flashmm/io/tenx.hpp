#pragma once
// Writing Cell Ranger style (10x Genomics) matrix directories. Reading goes through open_matrix().
#include <flashmm/types.hpp>

#include <string>
#include <vector>

namespace flashmm::io {

/// Writes `dir` (created if needed) with matrix.mtx.gz (MatrixMarket coordinate, genes x cells,
/// entries sorted by cell then gene; "integer" when every value is integral, else "real"),
/// features.tsv.gz (gene_ids[i] or gene_names[i], gene_names[i], "Gene Expression") and
/// barcodes.tsv.gz (cell_ids). `counts` is cells x genes CSR (rows = cells, cols = genes).
/// `gene_ids` may be empty (the names are used as ids). Each file is written under a temporary
/// name and renamed when complete.
void write_10x_dir(const std::string& dir, const CsrView<double>& counts, const std::vector<std::string>& gene_names,
                   const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_ids = {});
void write_10x_dir(const std::string& dir, const CsrView<float>& counts, const std::vector<std::string>& gene_names,
                   const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_ids = {});

}  // namespace flashmm::io
