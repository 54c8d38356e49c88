#include "io/hdf5_matrix.hpp"

#include "io/h5_chunk_writer.hpp"

#include <bit>
#include <cmath>

namespace flashmm::detail::h5 {

namespace {

// A new dataset of shape dim; chunked, shuffled and deflated at gzip_level when it is > 0 (then
// chunk_rows is the chunks' first dimension; else 0: contiguous).
Handle create_nd(hid_t loc, const std::string& name, const std::vector<hsize_t>& dim, int gzip_level,
                 hid_t type = H5T_IEEE_F64LE, hsize_t* chunk_rows = nullptr) {
  if (chunk_rows != nullptr) *chunk_rows = 0;
  Handle space(H5Screate_simple(static_cast<int>(dim.size()), dim.data(), nullptr), H5Sclose);
  if (!space.valid()) fail(file_name(loc), "cannot create a dataspace for '" + name + "'");
  Handle dcpl = creation_plist(H5P_DATASET_CREATE);
  hsize_t total = 1;
  for (auto d : dim) total *= d;
  if (gzip_level > 0 && total > 0) {
    // Chunks of whole trailing planes, at most ~1M values, so readers of one gene read one chunk.
    std::vector<hsize_t> chunk(dim);
    hsize_t plane = 1;
    for (std::size_t i = 1; i < dim.size(); ++i) plane *= dim[i];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dim[0], (hsize_t{1} << 20) / std::max<hsize_t>(plane, 1)));
    // Byte shuffling groups the doubles' exponent bytes: deflate then compresses them well.
    if (H5Pset_chunk(dcpl, static_cast<int>(dim.size()), chunk.data()) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level)) < 0)
      fail(file_name(loc), "cannot set up the compression of dataset '" + name + "'");
    if (chunk_rows != nullptr) *chunk_rows = chunk[0];
  }
  Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail_write(loc, "cannot create dataset '" + name + "' (disk full?)");
  return d;
}

void write_all(hid_t d, const std::string& name, const void* data, hid_t memtype = H5T_NATIVE_DOUBLE) {
  if (H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 || H5Dflush(d) < 0)
    fail_write(d, "cannot write dataset '" + name + "' (disk full?)");
}

// A rows x plane array of 8-byte elements (doubles, int64) into d as create_nd made it: its
// chunks compressed on `threads` threads where it is chunked (the file types are little-endian:
// the bytes are written as they are in memory, so on a little-endian machine only), else by HDF5.
void write_rows(hid_t d, const std::string& name, const void* data, hid_t memtype, hsize_t rows, hsize_t plane,
                hsize_t chunk_rows, int gzip_level, int threads) {
  if (rows == 0 || plane == 0) return;
  if (chunk_rows > 0 && std::endian::native == std::endian::little) {
    write_deflated_chunks(d, name, data, 8, rows, plane, chunk_rows, gzip_level, threads);
    if (H5Dflush(d) < 0) fail_write(d, "cannot write dataset '" + name + "' (disk full?)");
    return;
  }
  write_all(d, name, data, memtype);
}

Handle open_nd(hid_t loc, const std::string& name, std::size_t rank, std::vector<hsize_t>& dim) {
  if (!is_dataset(loc, name)) fail(file_name(loc), "has no dataset '" + name + "'; is it a flashmm file?");
  Handle d = open_dataset(loc, name);
  dim = dims(d);
  if (dim.size() != rank)
    fail(file_name(loc), "dataset '" + name + "' has " + std::to_string(dim.size()) + " dimensions, expected " +
                             std::to_string(rank));
  return d;
}

void read_all_doubles(hid_t d, const std::string& name, double* out) {
  if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    fail(file_name(d), "cannot read dataset '" + name + "' (truncated or corrupt file?)");
}

}  // namespace

void write_matrix(hid_t loc, const std::string& name, const Eigen::MatrixXd& m, int gzip_level, int threads) {
  hsize_t chunk_rows = 0;
  Handle d = create_nd(loc, name, {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, gzip_level,
                       H5T_IEEE_F64LE, &chunk_rows);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
  write_rows(d, name, row_major.data(), H5T_NATIVE_DOUBLE, static_cast<hsize_t>(m.rows()),
             static_cast<hsize_t>(m.cols()), chunk_rows, gzip_level, threads);
}

void write_matrix_stack(hid_t loc, const std::string& name, const Eigen::MatrixXd& flat, Index rows, Index cols,
                        int gzip_level) {
  const auto count = flat.cols();
  Handle d = create_nd(loc, name, {static_cast<hsize_t>(count), static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)},
                       gzip_level);
  // Column-major (rows x cols) per item -> row-major per item; nothing to do for symmetric items
  // (covariances, Fisher informations), which are written from `flat` as they are.
  bool symmetric = rows == cols;
  for (Index g = 0; g < count && symmetric; ++g)
    for (Index r = 0; r < rows && symmetric; ++r)
      for (Index c = r + 1; c < cols; ++c) {
        const double u = flat(r + c * rows, g), v = flat(c + r * rows, g);
        if (!(u == v || (std::isnan(u) && std::isnan(v)))) {
          symmetric = false;
          break;
        }
      }
  if (symmetric) {
    if (flat.size() > 0) write_all(d, name, flat.data());
    return;
  }
  std::vector<double> buf(static_cast<std::size_t>(flat.size()));
  for (Index g = 0; g < count; ++g)
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c)
        buf[static_cast<std::size_t>((g * rows + r) * cols + c)] = flat(r + c * rows, g);
  write_all(d, name, buf.data());
}

void write_int64_rows(hid_t loc, const std::string& name, const std::int64_t* data, Index rows, Index cols,
                      int gzip_level, int threads) {
  hsize_t chunk_rows = 0;
  Handle d = create_nd(loc, name, {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)}, gzip_level, H5T_STD_I64LE,
                       &chunk_rows);
  write_rows(d, name, data, H5T_NATIVE_INT64, static_cast<hsize_t>(rows), static_cast<hsize_t>(cols), chunk_rows,
             gzip_level, threads);
}

std::vector<std::int64_t> read_int64_rows(hid_t loc, const std::string& name, Index cols) {
  std::vector<hsize_t> dim;
  Handle d = open_nd(loc, name, 2, dim);
  if (static_cast<Index>(dim[1]) != cols)
    fail(file_name(loc), "dataset '" + name + "' has " + std::to_string(dim[1]) + " columns, expected " +
                             std::to_string(cols));
  std::vector<std::int64_t> out(static_cast<std::size_t>(dim[0] * dim[1]));
  if (!out.empty() && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(file_name(d), "cannot read dataset '" + name + "' (truncated or corrupt file?)");
  return out;
}

Eigen::MatrixXd read_matrix(hid_t loc, const std::string& name) {
  std::vector<hsize_t> dim;
  Handle d = open_nd(loc, name, 2, dim);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(static_cast<Index>(dim[0]),
                                                                           static_cast<Index>(dim[1]));
  if (m.size() > 0) read_all_doubles(d, name, m.data());
  return m;
}

Eigen::MatrixXd read_matrix_stack(hid_t loc, const std::string& name) {
  std::vector<hsize_t> dim;
  Handle d = open_nd(loc, name, 3, dim);
  const auto count = static_cast<Index>(dim[0]), rows = static_cast<Index>(dim[1]), cols = static_cast<Index>(dim[2]);
  std::vector<double> buf(static_cast<std::size_t>(count * rows * cols));
  if (!buf.empty()) read_all_doubles(d, name, buf.data());
  Eigen::MatrixXd flat(rows * cols, count);
  for (Index g = 0; g < count; ++g)
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c) flat(r + c * rows, g) = buf[static_cast<std::size_t>((g * rows + r) * cols + c)];
  return flat;
}

Eigen::VectorXd read_vector(hid_t loc, const std::string& name) {
  const Eigen::MatrixXd m = read_matrix(loc, name);
  return Eigen::Map<const Eigen::VectorXd>(m.data(), m.size());
}

void write_ints(hid_t loc, const std::string& name, const std::vector<int>& v) {
  write_vector(loc, name, std::vector<std::int64_t>(v.begin(), v.end()));
}

std::vector<int> read_ints(hid_t loc, const std::string& name) {
  std::vector<int> out;
  for (auto v : read_all<std::int64_t>(open_dataset(loc, name))) out.push_back(static_cast<int>(v));
  return out;
}

namespace {
void write_scalar(hid_t obj, const std::string& name, hid_t filetype, hid_t memtype, const void* value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(obj, name, filetype, space, value, memtype);
}
}  // namespace

void write_scalar_attr(hid_t obj, const std::string& name, double value) {
  write_scalar(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void write_scalar_attr(hid_t obj, const std::string& name, std::int64_t value) {
  write_scalar(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

namespace {
template <class T>
T read_scalar_attr(hid_t obj, const std::string& name, hid_t memtype) {
  if (!has_attr(obj, name)) fail(file_name(obj), "has no attribute '" + name + "'; is it a flashmm file?");
  const AttrRead a = open_attr(obj, name);
  T value{};
  if (a.n != 1 || H5Aread(a.attr, memtype, &value) < 0) fail(file_name(obj), "cannot read attribute " + name);
  return value;
}
}  // namespace

double read_double_attr(hid_t obj, const std::string& name) {
  return read_scalar_attr<double>(obj, name, H5T_NATIVE_DOUBLE);
}
std::int64_t read_int64_attr(hid_t obj, const std::string& name) {
  return read_scalar_attr<std::int64_t>(obj, name, H5T_NATIVE_INT64);
}

void write_header(hid_t file, const FileFormat& format) {
  write_string_attr(file, "format", format.name);
  write_scalar_attr(file, "version", format.version);
}

void check_header(hid_t file, const std::string& path, const FileFormat& format) {
  if (read_string_attr(file, "format") != format.name)
    fail(path, std::string("is not a flashmm ") + format.kind + " file (" + format.origin + ")");
  const std::int64_t version = read_int64_attr(file, "version");
  if (version != format.version)
    fail(path, std::string("is a ") + format.kind + " file of format version " + std::to_string(version) +
                   ", this flashmm reads version " + std::to_string(format.version) + "; " + format.origin);
}

}  // namespace flashmm::detail::h5
