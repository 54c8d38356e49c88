// Opens the matrix of an .h5ad file (X, layers/NAME or raw/X) with its gene names (var or
// raw/var) and cell ids (obs), and picks the streaming layout from X's encoding.
#include "io/h5_matrix_readers.hpp"
#include "io/h5ad_frame.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>

#include <algorithm>
#include <cmath>

namespace flashmm::detail {

namespace {

// The values a matrix stores: `data` of a sparse group, or the dataset itself when dense.
h5::Handle stored_values(hid_t file, const std::string& matrix) {
  if (h5::is_dataset(file, matrix)) return h5::open_dataset(file, matrix);
  if (h5::is_dataset(file, matrix + "/data")) return h5::open_dataset(file, matrix + "/data");
  return {};
}

// Whether the first stored values (up to 2^16) of a matrix are counts: integers (or floats of
// integral value) >= 0. A guess for advice: reading the matrix checks every value.
bool looks_like_counts(hid_t file, const std::string& matrix) {
  try {
    h5::Handle values = stored_values(file, matrix);
    if (!values.valid()) return false;
    const H5T_class_t cls = h5::type_class(values);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) return false;
    const auto d = h5::dims(values);
    if (d.empty() || d.size() > 2) return false;
    std::vector<double> v;
    if (d.size() == 1) {
      v.resize(static_cast<std::size_t>(std::min<hsize_t>(d[0], hsize_t{1} << 16)));
      h5::read_slice(values, H5T_NATIVE_DOUBLE, 0, static_cast<Index>(v.size()), v.data());
    } else {
      const hsize_t rows = d[1] == 0 ? 0 : std::min<hsize_t>(d[0], std::max<hsize_t>(1, (hsize_t{1} << 16) / d[1]));
      v.resize(static_cast<std::size_t>(rows * d[1]));
      h5::read_rows(values, H5T_NATIVE_DOUBLE, 0, static_cast<Index>(rows), v.data());
    }
    return std::all_of(v.begin(), v.end(), [](double x) { return x >= 0 && x == std::floor(x) && std::isfinite(x); });
  } catch (const IoError&) {
    return false;  // unreadable: not something to suggest
  }
}

// The file's other matrices that look like counts.
std::vector<io::MatrixChoice> h5ad_count_matrices(const std::string& path, const std::string& current) {
  h5::Handle file = h5::open_file(path);
  std::vector<io::MatrixChoice> found;
  if (current != "X" && h5::exists(file, "X") && looks_like_counts(file, "X")) found.push_back({});
  if (h5::is_group(file, "layers")) {
    h5::Handle g = h5::open_group(file, "layers");
    for (const auto& name : h5::member_names(g))
      if ("layers/" + name != current && looks_like_counts(file, "layers/" + name)) found.push_back({name, false});
  }
  if (current != "raw/X" && h5::exists(file, "raw/X") && looks_like_counts(file, "raw/X")) found.push_back({"", true});
  return found;
}

}  // namespace

std::unique_ptr<ReaderBase> open_h5ad(const std::string& path, const io::ReaderOptions& options) {
  H5MatrixSource src;
  src.path = path;
  src.file = h5::open_file(path);
  const hid_t file = src.file;

  std::string x_path = "X";
  if (!options.layer.empty()) {
    if (options.use_raw) throw OptionError("use_raw", path + ": a layer and raw both choose the matrix to read: give one of them");
    x_path = "layers/" + options.layer;
  } else if (options.use_raw) {
    x_path = "raw/X";
  }
  if (!h5::exists(file, x_path)) {
    if (!options.layer.empty()) {
      std::string names;
      if (h5::is_group(file, "layers")) {
        h5::Handle layers = h5::open_group(file, "layers");
        for (const auto& n : h5::member_names(layers)) names += (names.empty() ? "" : ", ") + n;
      }
      throw OptionError("layer", path + ": no layer '" + options.layer + "'; the file's layers are: " +
                                     (names.empty() ? std::string("(none)") : names));
    }
    if (options.use_raw) throw OptionError("use_raw", path + ": the file has no raw data (raw/X): drop the option");
    throw IoError(path + ": no matrix '" + x_path + "'; the file is not an AnnData file or is truncated");
  }

  src.gene_names = read_var_names(file, path, options.gene_column, options.use_raw);
  if (!h5::is_group(file, "obs")) throw IoError(path + ": no obs group; the file is not a valid AnnData file");
  {
    h5::Handle obs = h5::open_group(file, "obs");
    src.cell_ids = read_frame_index(obs);
  }
  const auto n_cells = static_cast<Index>(src.cell_ids.size());
  const auto n_genes = static_cast<Index>(src.gene_names.size());
  const std::string var = options.use_raw ? "raw/var" : "var";
  const std::string genes_from = path + ": " + var + (options.gene_column.empty() ? "'s index" : "/" + options.gene_column);

  std::unique_ptr<ReaderBase> reader;
  if (h5::is_dataset(file, x_path)) {
    reader = make_dense_reader(std::move(src), h5::open_dataset(file, x_path));
  } else {
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
      throw IoError(path + ": " + x_path + " has shape " +
                    (shape.size() == 2 ? std::to_string(shape[0]) + " x " + std::to_string(shape[1]) : "?") +
                    " but obs has " + std::to_string(n_cells) + " cells and " + var + " " + std::to_string(n_genes) +
                    " genes; the file is inconsistent");
    if (enc == "csr_matrix") {
      CellMajorOptions o;
      o.threads = options.threads;
      o.chunk_entries = options.chunk_entries;
      reader = make_cell_major_reader(std::move(src), x, o);
    } else {
      reader = make_gene_major_reader(std::move(src), x);
    }
  }
  reader->set_name_sources(genes_from, path + ": obs's index");
  reader->set_count_matrices([path, x_path] { return h5ad_count_matrices(path, x_path); });
  return reader;
}

}  // namespace flashmm::detail
