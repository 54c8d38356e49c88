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

std::unique_ptr<io::MatrixReader> open_tenx_h5(const std::string& path, const io::ReaderOptions& options) {
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
  const bool use_ids = use_gene_ids(options);
  if (h5::is_group(m, "features")) {
    h5::Handle f = h5::open_dataset(m, use_ids ? "features/id" : "features/name");
    src.gene_names = h5::read_strings(f);
  } else if (h5::is_dataset(m, "gene_names")) {
    h5::Handle f = h5::open_dataset(m, use_ids ? "genes" : "gene_names");
    src.gene_names = h5::read_strings(f);
  } else {
    throw IoError(path + ": " + group + "/features (or gene_names) is missing; the file is not a complete Cell Ranger .h5 file");
  }
  {
    h5::Handle b = h5::open_dataset(m, "barcodes");
    src.cell_ids = h5::read_strings(b);
  }
  h5::Handle shape_ds = h5::open_dataset(m, "shape");
  const auto shape = h5::read_all<std::int64_t>(shape_ds);
  if (shape.size() != 2 || shape[0] != static_cast<Index>(src.gene_names.size()) ||
      shape[1] != static_cast<Index>(src.cell_ids.size()))
    throw IoError(path + ": matrix/shape (genes x cells) disagrees with " + std::to_string(src.gene_names.size()) +
                  " features and " + std::to_string(src.cell_ids.size()) + " barcodes; the file is inconsistent");
  return make_cell_major_reader(std::move(src), m);
}

}  // namespace flashmm::detail
