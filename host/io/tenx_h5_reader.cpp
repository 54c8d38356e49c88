// Cell Ranger's filtered_feature_bc_matrix.h5: group "matrix" with a genes x cells CSC matrix
// (one compressed column per cell, i.e. cell-major) plus barcodes and features/{id,name}
// (v3) or genes/gene_names (v2).
#include "io/h5_matrix_readers.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

namespace flashmm::detail {

std::string find_tenx_group(hid_t file) {
  if (h5::is_group(file, "matrix")) return "matrix";
  std::string group;
  for (const auto& s : h5::member_names(file)) {
    if (h5::is_dataset(file, s + "/barcodes")) {
      if (!group.empty())
        throw IoError(h5::file_name(file) + ": several genomes (" + group + ", " + s + "); split the file per genome");
      group = s;
    }
  }
  return group;
}

std::unique_ptr<ReaderBase> open_tenx_h5(const std::string& path, const io::ReaderOptions& options) {
  H5MatrixSource src;
  src.path = path;
  src.file = h5::open_file(path);
  const hid_t file = src.file;
  const std::string group = find_tenx_group(file);
  if (group.empty()) throw IoError(path + ": no group 'matrix' (or v2 genome group); not a Cell Ranger .h5 file");
  h5::Handle m = h5::open_group(file, group);
  for (const char* name : {"data", "indices", "indptr", "shape", "barcodes"})
    if (!h5::is_dataset(m, name))
      throw IoError(path + ": " + group + "/" + name + " is missing; the file is not a complete Cell Ranger .h5 file");
  std::vector<std::string> ids, names, types;
  std::string features;
  if (h5::is_group(m, "features")) {
    features = group + "/features";
    ids = h5::read_strings(h5::open_dataset(m, "features/id"));
    names = h5::read_strings(h5::open_dataset(m, "features/name"));
    if (h5::is_dataset(m, "features/feature_type")) types = h5::read_strings(h5::open_dataset(m, "features/feature_type"));
  } else if (h5::is_dataset(m, "gene_names")) {
    features = group + "/gene_names";
    ids = h5::read_strings(h5::open_dataset(m, "genes"));
    names = h5::read_strings(h5::open_dataset(m, "gene_names"));
  } else {
    throw IoError(path + ": " + group + "/features (or gene_names) is missing; the file is not a complete Cell Ranger .h5 file");
  }
  if (ids.size() != names.size() || (!types.empty() && types.size() != names.size()))
    throw IoError(path + ": " + features + ": the feature ids, names and types differ in number; the file is inconsistent");
  {
    h5::Handle b = h5::open_dataset(m, "barcodes");
    src.cell_ids = h5::read_strings(b);
  }
  h5::Handle shape_ds = h5::open_dataset(m, "shape");
  const auto shape = h5::read_all<std::int64_t>(shape_ds);
  if (shape.size() != 2 || shape[0] != static_cast<Index>(names.size()) ||
      shape[1] != static_cast<Index>(src.cell_ids.size()))
    throw IoError(path + ": matrix/shape (genes x cells) disagrees with " + std::to_string(names.size()) +
                  " features and " + std::to_string(src.cell_ids.size()) + " barcodes; the file is inconsistent");
  std::vector<std::string> warnings;
  FeatureSelection sel = select_features(ids, names, types, options, path + ": " + features, warnings);
  src.gene_names = std::move(sel.gene_names);
  CellMajorOptions o;
  o.file_genes = static_cast<Index>(names.size());
  o.gene_map = std::move(sel.gene_map);
  o.threads = options.threads;
  o.chunk_entries = options.chunk_entries;
  auto reader = make_cell_major_reader(std::move(src), m, o);
  reader->set_name_sources(path + ": " + features, path + ": " + group + "/barcodes");
  for (auto& w : warnings) reader->add_warning(std::move(w));
  return reader;
}

}  // namespace flashmm::detail
