// Cell Ranger output directories: matrix.mtx[.gz] (genes x cells), features.tsv[.gz] (v3: id,
// name, type) or genes.tsv[.gz] (v2: id, name), barcodes.tsv[.gz].
#include "io/gzip_lines.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <filesystem>

namespace flashmm::detail {

namespace {
// The first of `names` (each tried plain and .gz) present in dir, or "".
std::string find_in(const std::string& dir, std::initializer_list<const char*> names) {
  std::error_code ec;
  for (const char* n : names)
    for (const char* ext : {".gz", ""}) {
      const std::string p = (std::filesystem::path(dir) / (std::string(n) + ext)).string();
      if (std::filesystem::is_regular_file(p, ec)) return p;
    }
  return {};
}
}  // namespace

std::unique_ptr<io::MatrixReader> open_tenx_dir(const std::string& dir, const io::ReaderOptions& options) {
  const std::string matrix = find_in(dir, {"matrix.mtx"});
  const std::string features = find_in(dir, {"features.tsv", "genes.tsv"});
  const std::string barcodes = find_in(dir, {"barcodes.tsv"});
  if (matrix.empty() || features.empty() || barcodes.empty())
    throw IoError(dir + ": not a 10x matrix directory: it needs matrix.mtx[.gz], features.tsv[.gz] (or genes.tsv) and "
                  "barcodes.tsv[.gz]; missing " +
                  std::string(matrix.empty() ? "matrix.mtx " : "") + (features.empty() ? "features.tsv " : "") +
                  (barcodes.empty() ? "barcodes.tsv" : ""));
  const bool use_ids = use_gene_ids(options);
  // Column 1 holds the symbols (column 0 when a genes file has a single column).
  auto genes = read_names(features, use_ids ? 0 : 1);
  auto cells = read_names(barcodes, 0);
  return open_mtx(matrix, std::move(genes), std::move(cells), features + " and " + barcodes);
}

}  // namespace flashmm::detail
