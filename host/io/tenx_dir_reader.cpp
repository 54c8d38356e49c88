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

std::unique_ptr<ReaderBase> open_tenx_dir(const std::string& dir, const io::ReaderOptions& options) {
  const std::string matrix = find_in(dir, {"matrix.mtx"});
  const std::string features = find_in(dir, {"features.tsv", "genes.tsv"});
  const std::string barcodes = find_in(dir, {"barcodes.tsv"});
  if (matrix.empty() || features.empty() || barcodes.empty())
    throw IoError(dir + ": not a 10x matrix directory: it needs matrix.mtx[.gz], features.tsv[.gz] (or genes.tsv) and "
                  "barcodes.tsv[.gz]; missing " +
                  std::string(matrix.empty() ? "matrix.mtx " : "") + (features.empty() ? "features.tsv " : "") +
                  (barcodes.empty() ? "barcodes.tsv" : ""));
  // v3 features.tsv: id, name, type; v2 genes.tsv: id, name; a single column holds names.
  std::vector<std::string> ids, names, types;
  bool typed = true;
  for (auto& row : read_name_table(features)) {
    ids.push_back(row[0]);
    names.push_back(row.size() > 1 ? row[1] : row[0]);
    typed = typed && row.size() > 2;
    types.push_back(row.size() > 2 ? row[2] : std::string());
  }
  if (!typed) types.clear();
  std::vector<std::string> warnings;
  FeatureSelection sel = select_features(ids, names, types, options, features, warnings);
  auto r = open_mtx(matrix, std::move(sel.gene_names), read_names(barcodes, 0), features, barcodes, std::move(sel.gene_map));
  for (auto& w : warnings) r->add_warning(std::move(w));
  std::error_code ec;
  const std::string meta = (std::filesystem::path(dir) / "metadata.csv").string();
  if (std::filesystem::is_regular_file(meta, ec)) r->set_metadata_file(meta);
  return r;
}

}  // namespace flashmm::detail
