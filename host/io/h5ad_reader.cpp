// Opens the matrix of an .h5ad file (X, layers/NAME or raw/X) with its gene names (var or
// raw/var) and cell ids (obs), and picks the streaming layout from X's encoding.
#include "io/h5_matrix_readers.hpp"
#include "io/h5ad_frame.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>

namespace flashmm::detail {

std::unique_ptr<io::MatrixReader> open_h5ad(const std::string& path, const io::ReaderOptions& options) {
  H5MatrixSource src;
  src.path = path;
  src.file = h5::open_file(path);
  const hid_t file = src.file;

  std::string x_path = "X";
  if (!options.layer.empty()) {
    if (options.use_raw) throw IoError(path + ": choose either a layer or raw, not both");
    x_path = "layers/" + options.layer;
  } else if (options.use_raw) {
    x_path = "raw/X";
  }
  if (!h5::exists(file, x_path)) {
    std::string hint = "; the file is not an AnnData file or is truncated";
    if (!options.layer.empty()) {
      std::string names;
      if (h5::is_group(file, "layers")) {
        h5::Handle layers = h5::open_group(file, "layers");
        for (const auto& n : h5::member_names(layers)) names += (names.empty() ? "" : ", ") + n;
      }
      hint = "; the file's layers are: " + (names.empty() ? std::string("(none)") : names);
    }
    if (options.use_raw) hint = "; the file has no raw data, drop the raw option";
    throw IoError(path + ": no matrix '" + x_path + "'" + hint);
  }

  src.gene_names = read_var_names(file, path, options.gene_column, options.use_raw);
  if (!h5::is_group(file, "obs")) throw IoError(path + ": no obs group; the file is not a valid AnnData file");
  {
    h5::Handle obs = h5::open_group(file, "obs");
    src.cell_ids = read_frame_index(obs);
  }
  const auto n_cells = static_cast<Index>(src.cell_ids.size());
  const auto n_genes = static_cast<Index>(src.gene_names.size());

  if (h5::is_dataset(file, x_path)) {
    return make_dense_reader(std::move(src), h5::open_dataset(file, x_path));
  }
  h5::Handle x = h5::open_group(file, x_path);
  std::string enc = h5::read_string_attr(x, "encoding-type");
  if (enc.empty()) {
    // anndata < 0.7 style sparse groups.
    const std::string fmt = h5::read_string_attr(x, "h5sparse_format");
    if (fmt == "csr") enc = "csr_matrix";
    if (fmt == "csc") enc = "csc_matrix";
  }
  if (enc != "csr_matrix" && enc != "csc_matrix")
    throw IoError(path + ": " + x_path + " has the unsupported encoding '" + enc +
                  "'; expected csr_matrix, csc_matrix or a dense array (write it with anndata >= 0.7)");
  const std::string shape_attr = h5::has_attr(x, "shape") ? "shape" : "h5sparse_shape";
  const auto shape = h5::read_int_array_attr(x, shape_attr);
  if (shape.size() != 2 || shape[0] != n_cells || shape[1] != n_genes)
    throw IoError(path + ": " + x_path + " has shape " + (shape.size() == 2 ? std::to_string(shape[0]) + " x " + std::to_string(shape[1]) : "?") +
                  " but obs has " + std::to_string(n_cells) + " cells and " + (options.use_raw ? "raw/var " : "var ") + std::to_string(n_genes) +
                  " genes; the file is inconsistent");
  if (enc == "csr_matrix") return make_cell_major_reader(std::move(src), x);
  return make_gene_major_reader(std::move(src), x);
}

}  // namespace flashmm::detail
