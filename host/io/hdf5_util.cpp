#include "io/hdf5_util.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flashmm::detail::h5 {

namespace {

Handle make_type(hid_t id) { return Handle(id, H5Tclose); }
Handle make_space(hid_t id) { return Handle(id, H5Sclose); }
Handle make_plist(hid_t id) { return Handle(id, H5Pclose); }

// HDF5 1.12 renamed the variable-length reclaim call.
herr_t reclaim(hid_t type, hid_t space, void* buf) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}

Handle variable_string_type(H5T_cset_t cset) {
  Handle t = make_type(H5Tcopy(H5T_C_S1));
  if (!t.valid() || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0)
    throw IoError("HDF5: cannot create a string type (HDF5 library problem)");
  return t;
}

// Reads n strings from an attribute (is_attr) or dataset whose stored type is `filetype`.
std::vector<std::string> read_string_values(hid_t obj, bool is_attr, hid_t filetype, hid_t space, std::size_t n,
                                            const std::string& what) {
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  const htri_t variable = H5Tis_variable_str(filetype);
  if (variable < 0) throw IoError(what + ": cannot inspect the string type; the file may be corrupt");
  if (variable > 0) {
    const H5T_cset_t cset = H5Tget_cset(filetype);
    Handle mem = variable_string_type(cset == H5T_CSET_ERROR ? H5T_CSET_ASCII : cset);
    std::vector<char*> ptrs(n, nullptr);
    const herr_t st = is_attr ? H5Aread(obj, mem, ptrs.data()) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    if (st < 0) throw IoError(what + ": cannot read the strings; the file may be truncated or corrupt");
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    reclaim(mem, space, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(filetype);
    if (size == 0) throw IoError(what + ": string type of size 0; the file may be corrupt");
    Handle mem = make_type(H5Tcopy(filetype));
    std::vector<char> buf(size * n);
    const herr_t st = is_attr ? H5Aread(obj, mem, buf.data()) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    if (st < 0) throw IoError(what + ": cannot read the strings; the file may be truncated or corrupt");
    for (std::size_t i = 0; i < n; ++i) {
      const char* b = buf.data() + i * size;
      out.emplace_back(b, static_cast<std::size_t>(std::find(b, b + size, '\0') - b));
      // Fixed-length strings may be space padded.
      if (H5Tget_strpad(filetype) == H5T_STR_SPACEPAD)
        while (!out.back().empty() && out.back().back() == ' ') out.back().pop_back();
    }
  }
  return out;
}

}  // namespace

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
  // The automatic printing is per thread in thread-safe builds; turning it off again is cheap.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void fail(const std::string& file, const std::string& message) { throw IoError(file + ": " + message); }

Handle open_file(const std::string& path) {
  silence_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw IoError(path + ": no such file; check the path");
  if (std::filesystem::is_directory(path, ec))
    throw IoError(path + ": is a directory, not an HDF5 file");
  const htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 < 0) throw IoError(path + ": cannot be read (permissions?)");
  if (is_h5 == 0)
    throw IoError(path + ": is not an HDF5 file (corrupt or truncated .h5ad/.h5?); re-export it from anndata or Cell Ranger");
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw IoError(path + ": cannot open the HDF5 file; it may be truncated, corrupt or open for writing elsewhere");
  return Handle(f, H5Fclose);
}


std::string object_name(hid_t obj) {
  const ssize_t n = H5Iget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(obj, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

std::string file_name(hid_t obj) {
  const ssize_t n = H5Fget_name(obj, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(obj, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

std::string where(hid_t obj) { return file_name(obj) + ": " + object_name(obj); }

bool exists(hid_t loc, const std::string& path) {
  std::string prefix;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) {
      if (!prefix.empty()) prefix += '/';
      prefix.append(path, start, slash - start);
      if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    start = slash + 1;
  }
  return !prefix.empty() && H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT) > 0;
}

namespace {
H5I_type_t kind_of(hid_t loc, const std::string& path) {
  if (!exists(loc, path)) return H5I_BADID;
  hid_t o = H5Oopen(loc, path.c_str(), H5P_DEFAULT);
  if (o < 0) return H5I_BADID;
  const H5I_type_t t = H5Iget_type(o);
  H5Oclose(o);
  return t;
}
}  // namespace

bool is_group(hid_t loc, const std::string& path) { return kind_of(loc, path) == H5I_GROUP; }
bool is_dataset(hid_t loc, const std::string& path) { return kind_of(loc, path) == H5I_DATASET; }

Handle open_group(hid_t loc, const std::string& path) {
  if (!is_group(loc, path)) fail(file_name(loc), "no group '" + path + "' in " + object_name(loc));
  hid_t g = H5Gopen2(loc, path.c_str(), H5P_DEFAULT);
  if (g < 0) fail(file_name(loc), "cannot open group '" + path + "'; the file may be corrupt");
  return Handle(g, H5Gclose);
}

namespace {

// What a user knows a filter as (h5py's compression= names, hdf5plugin's), for the message.
std::string filter_label(H5Z_filter_t id, const char* stored_name) {
  switch (id) {
    case 32000: return "LZF (h5py's compression='lzf')";
    case 32001: return "Blosc";
    case 32004: return "LZ4";
    case 32008: return "bitshuffle";
    case 32013: return "ZFP";
    case 32015: return "Zstandard";
    case 32017: return "SZ";
    case 32026: return "Blosc2";
    case 307: return "bzip2";
    case H5Z_FILTER_SZIP: return "SZIP";
    default: break;
  }
  return stored_name[0] != '\0' ? std::string("'") + stored_name + "'" : std::string("an unknown");
}

}  // namespace

void check_filters_available(hid_t dataset) {
  Handle dcpl = make_plist(H5Dget_create_plist(dataset));
  if (!dcpl.valid()) return;  // reading reports what is wrong
  const int n = H5Pget_nfilters(dcpl);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t nvalues = 0;
    char name[128] = {0};
    const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nvalues, nullptr, sizeof name, name, &config);
    if (id < 0 || H5Zfilter_avail(id) > 0) continue;
    const std::string file = file_name(dataset);
    const bool anndata = file.size() >= 5 && file.compare(file.size() - 5, 5, ".h5ad") == 0;
    throw IoError(where(dataset) + ": is compressed with the " + filter_label(id, name) + " filter (HDF5 filter " +
                  std::to_string(id) + "), which is not available to this program's HDF5 library, so it cannot be read. " +
                  (anndata ? "Rewrite the file with gzip or no compression, e.g. in Python: import anndata; "
                             "anndata.read_h5ad(\"" + file + "\").write_h5ad(\"rewritten.h5ad\", compression=\"gzip\")"
                           : "Rewrite it with gzip or no compression, e.g. h5repack -f GZIP=4 " + file +
                                 " rewritten.h5 (with the filter's plugin on HDF5_PLUGIN_PATH)") +
                  ", or install the filter's HDF5 plugin (e.g. Python's hdf5plugin) and point HDF5_PLUGIN_PATH at it");
  }
}

Handle open_dataset(hid_t loc, const std::string& path) {
  if (!is_dataset(loc, path)) fail(file_name(loc), "no dataset '" + path + "' in " + object_name(loc));
  hid_t d = H5Dopen2(loc, path.c_str(), H5P_DEFAULT);
  if (d < 0) fail(file_name(loc), "cannot open dataset '" + path + "'; the file may be corrupt");
  Handle h(d, H5Dclose);
  check_filters_available(h);
  return h;
}

std::vector<std::string> member_names(hid_t group) {
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0) fail(file_name(group), "cannot list " + object_name(group) + "; the file may be corrupt");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len <= 0) continue;
    std::string s(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(static_cast<std::size_t>(len));
    names.push_back(std::move(s));
  }
  return names;
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

AttrRead open_attr(hid_t obj, const std::string& name) {
  AttrRead a;
  a.attr = Handle(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!a.attr.valid()) fail(file_name(obj), "cannot open attribute '" + name + "' of " + object_name(obj));
  a.type = make_type(H5Aget_type(a.attr));
  a.space = make_space(H5Aget_space(a.attr));
  const hssize_t n = H5Sget_simple_extent_npoints(a.space);
  if (!a.type.valid() || !a.space.valid() || n < 0)
    fail(file_name(obj), "cannot inspect attribute '" + name + "' of " + object_name(obj) + "; the file may be corrupt");
  a.n = static_cast<std::size_t>(n);
  return a;
}

std::string read_string_attr(hid_t obj, const std::string& name, const std::string& fallback) {
  if (!has_attr(obj, name)) return fallback;
  AttrRead a = open_attr(obj, name);
  const std::string what = where(obj) + " attribute '" + name + "'";
  if (H5Tget_class(a.type) != H5T_STRING) throw IoError(what + ": expected a string");
  if (a.n != 1) throw IoError(what + ": expected a single string");
  return read_string_values(a.attr, true, a.type, a.space, 1, what).front();
}

std::vector<std::string> read_string_array_attr(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) return {};
  AttrRead a = open_attr(obj, name);
  const std::string what = where(obj) + " attribute '" + name + "'";
  if (a.n == 0) return {};
  if (H5Tget_class(a.type) != H5T_STRING) throw IoError(what + ": expected strings");
  return read_string_values(a.attr, true, a.type, a.space, a.n, what);
}

std::vector<std::int64_t> read_int_array_attr(hid_t obj, const std::string& name) {
  if (!has_attr(obj, name)) fail(file_name(obj), object_name(obj) + " has no attribute '" + name + "'");
  AttrRead a = open_attr(obj, name);
  const H5T_class_t c = H5Tget_class(a.type);
  if (c != H5T_INTEGER && c != H5T_FLOAT)
    fail(file_name(obj), object_name(obj) + " attribute '" + name + "' is not numeric");
  std::vector<std::int64_t> out(a.n);
  if (a.n > 0 && H5Aread(a.attr, H5T_NATIVE_INT64, out.data()) < 0)
    fail(file_name(obj), "cannot read attribute '" + name + "' of " + object_name(obj));
  return out;
}

std::vector<hsize_t> dims(hid_t dataset) {
  Handle space = make_space(H5Dget_space(dataset));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space) : -1;
  if (rank < 0) throw IoError(where(dataset) + ": cannot read the dataset's shape; the file may be corrupt");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, d.data(), nullptr) < 0)
    throw IoError(where(dataset) + ": cannot read the dataset's shape; the file may be corrupt");
  return d;
}

Index length(hid_t dataset) {
  const auto d = dims(dataset);
  if (d.size() != 1) throw IoError(where(dataset) + ": expected a 1-D dataset, found " + std::to_string(d.size()) + "-D");
  return static_cast<Index>(d[0]);
}

H5T_class_t type_class(hid_t dataset) {
  Handle t = make_type(H5Dget_type(dataset));
  if (!t.valid()) throw IoError(where(dataset) + ": cannot read the dataset's type; the file may be corrupt");
  return H5Tget_class(t);
}

Handle file_space(hid_t dataset) { return make_space(H5Dget_space(dataset)); }

void read_slice(hid_t dataset, hid_t memtype, Index offset, Index count, void* out) {
  if (count <= 0) return;
  Handle space = file_space(dataset);
  read_slice(dataset, space, memtype, offset, count, out);
}

void read_slice(hid_t dataset, hid_t space, hid_t memtype, Index offset, Index count, void* out) {
  if (count <= 0) return;
  const hsize_t start[1] = {static_cast<hsize_t>(offset)};
  const hsize_t cnt[1] = {static_cast<hsize_t>(count)};
  Handle mem = make_space(H5Screate_simple(1, cnt, nullptr));
  if (space < 0 || !mem.valid() || H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, cnt, nullptr) < 0)
    throw IoError(where(dataset) + ": cannot select elements " + std::to_string(offset) + ".." +
                  std::to_string(offset + count) + " (beyond the dataset's end? the file may be inconsistent)");
  if (H5Dread(dataset, memtype, mem, space, H5P_DEFAULT, out) < 0)
    throw IoError(where(dataset) + ": cannot read elements " + std::to_string(offset) + ".." +
                  std::to_string(offset + count) + "; the file may be truncated or corrupt");
}

void read_rows(hid_t dataset, hid_t memtype, Index row, Index n_rows, void* out) {
  if (n_rows <= 0) return;
  const auto d = dims(dataset);
  if (d.size() != 2) throw IoError(where(dataset) + ": expected a 2-D dataset");
  Handle space = make_space(H5Dget_space(dataset));
  const hsize_t start[2] = {static_cast<hsize_t>(row), 0};
  const hsize_t cnt[2] = {static_cast<hsize_t>(n_rows), d[1]};
  Handle mem = make_space(H5Screate_simple(2, cnt, nullptr));
  if (!space.valid() || !mem.valid() || H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, cnt, nullptr) < 0)
    throw IoError(where(dataset) + ": cannot select rows " + std::to_string(row) + ".." + std::to_string(row + n_rows));
  if (H5Dread(dataset, memtype, mem, space, H5P_DEFAULT, out) < 0)
    throw IoError(where(dataset) + ": cannot read rows " + std::to_string(row) + ".." + std::to_string(row + n_rows) +
                  "; the file may be truncated or corrupt");
}

std::vector<std::string> read_strings(hid_t dataset) {
  const Index n = length(dataset);
  Handle t = make_type(H5Dget_type(dataset));
  Handle space = make_space(H5Dget_space(dataset));
  if (!t.valid() || !space.valid()) throw IoError(where(dataset) + ": cannot inspect the dataset; the file may be corrupt");
  if (H5Tget_class(t) != H5T_STRING) throw IoError(where(dataset) + ": expected strings");
  return read_string_values(dataset, false, t, space, static_cast<std::size_t>(n), where(dataset));
}

// ---- writing --------------------------------------------------------------------------------

namespace {

// The file access properties of what we write: the earliest formats that can hold each object,
// and none newer than HDF5 1.8's, whatever a later library would choose, so that the bytes do not
// depend on the HDF5 version (and every HDF5 since 1.8 reads them).
Handle write_access_plist() {
  Handle fapl = make_plist(H5Pcreate(H5P_FILE_ACCESS));
  if (!fapl.valid() || H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0)
    throw IoError("HDF5: cannot set up the file access properties (HDF5 library problem)");
  return fapl;
}

}  // namespace

Handle creation_plist(hid_t cls) {
  Handle p = make_plist(H5Pcreate(cls));
  if (!p.valid() || H5Pset_obj_track_times(p, false) < 0)
    throw IoError("HDF5: cannot set up the creation properties (HDF5 library problem)");
  return p;
}

Handle create_file(const std::string& path) {
  silence_errors();
  Handle fcpl = creation_plist(H5P_FILE_CREATE);
  Handle fapl = write_access_plist();
  errno = 0;
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  if (f < 0) {
    const int err = errno;  // what the system said, when HDF5's last call set it
    std::error_code ec;
    std::filesystem::remove(path, ec);
    throw IoError(path + ": cannot create the file" +
                  (err != 0 ? " (" + std::error_code(err, std::generic_category()).message() + ")"
                            : std::string("; check that the directory exists and is writable")));
  }
  return Handle(f, H5Fclose);
}

void abandon_file(hid_t obj) {
  Handle file(H5Iget_file_id(obj), H5Fclose);  // a second reference: closing it keeps the file open
  if (!file.valid()) return;
  Handle fapl = make_plist(H5Fget_access_plist(file));
  if (!fapl.valid() || H5Pget_driver(fapl) != H5FD_SEC2) return;
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, fapl, &handle) < 0 || handle == nullptr) return;
  const int fd = *static_cast<int*>(handle);
  static constexpr char kName[] = "flashmm-abandoned-hdf5";
  char link[64];
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t len = ::readlink(proc.c_str(), link, sizeof link - 1);
  if (len > 0 && std::string_view(link, static_cast<std::size_t>(len)).find(kName) != std::string_view::npos) return;
  const int copy = ::memfd_create(kName, MFD_CLOEXEC);
  if (copy < 0) return;
  // What HDF5 wrote so far, so that reads of it during the close still find it; if the copy
  // does not fit in memory, an empty file (the close may then report errors, but writes succeed).
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    off_t in = 0, out = 0;
    auto left = static_cast<std::size_t>(st.st_size);
    while (left > 0) {
      const ssize_t n = ::copy_file_range(fd, &in, copy, &out, left, 0);
      if (n <= 0) break;
      left -= static_cast<std::size_t>(n);
    }
    if (left > 0 && ::ftruncate(copy, 0) != 0) {
      ::close(copy);
      return;
    }
  }
  ::dup2(copy, fd);
  ::close(copy);
}

void fail_write(hid_t obj, const std::string& message) {
  // The system's reason, where HDF5's failed write left one, replaces the guess.
  const int err = errno;
  std::string m = message;
  const std::string guess = " (disk full?)";
  if ((err == ENOSPC || err == EDQUOT || err == EFBIG || err == EIO || err == EROFS) && m.find(guess) != std::string::npos)
    m.replace(m.find(guess), guess.size(), " (" + std::error_code(err, std::generic_category()).message() + ")");
  const std::string file = file_name(obj);
  abandon_file(obj);
  throw IoError(file + ": " + m);
}

void close_written(Handle& dataset) {
  if (!dataset.valid()) return;
  if (H5Dflush(dataset) < 0) fail_write(dataset, "cannot write dataset " + object_name(dataset) + " (disk full?)");
  const std::string file = file_name(dataset), name = object_name(dataset);
  if (H5Dclose(dataset.release()) < 0) throw IoError(file + ": cannot close dataset " + name + " (disk full?)");
}

void close_file(Handle& file) {
  if (!file.valid()) return;
  if (H5Fflush(file, H5F_SCOPE_LOCAL) < 0) fail_write(file, "cannot write the file (disk full?)");
  const std::string name = file_name(file);
  if (H5Fclose(file.release()) < 0) throw IoError(name + ": cannot close the file (disk full?)");
}

Handle create_group(hid_t loc, const std::string& name) {
  Handle gcpl = creation_plist(H5P_GROUP_CREATE);
  hid_t g = H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (g < 0) fail_write(loc, "cannot create group '" + name + "' (disk full?)");
  return Handle(g, H5Gclose);
}

void write_attr(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data, hid_t memtype) {
  if (has_attr(obj, name)) H5Adelete(obj, name.c_str());
  Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.valid() || (data != nullptr && H5Awrite(a, memtype < 0 ? type : memtype, data) < 0))
    fail_write(obj, "cannot write attribute '" + name + "' of " + object_name(obj) + " (disk full?)");
}

namespace {
Handle bool_type() {
  Handle t = make_type(H5Tenum_create(H5T_NATIVE_INT8));
  const std::int8_t f = 0, tr = 1;
  if (!t.valid() || H5Tenum_insert(t, "FALSE", &f) < 0 || H5Tenum_insert(t, "TRUE", &tr) < 0)
    throw IoError("HDF5: cannot create the boolean type (HDF5 library problem)");
  return t;
}
}  // namespace

void write_string_attr(hid_t obj, const std::string& name, const std::string& value) {
  Handle t = variable_string_type(H5T_CSET_UTF8);
  Handle s = make_space(H5Screate(H5S_SCALAR));
  const char* p = value.c_str();
  write_attr(obj, name, t, s, &p);
}

void write_string_array_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  const hsize_t n[1] = {values.size()};
  Handle s = make_space(H5Screate_simple(1, n, nullptr));
  if (values.empty()) {
    // anndata writes an empty column-order as an empty float64 array.
    write_attr(obj, name, H5T_NATIVE_DOUBLE, s, nullptr);
    return;
  }
  Handle t = variable_string_type(H5T_CSET_UTF8);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_attr(obj, name, t, s, ptrs.data());
}

void write_int64_array_attr(hid_t obj, const std::string& name, const std::vector<std::int64_t>& values) {
  const hsize_t n[1] = {values.size()};
  Handle s = make_space(H5Screate_simple(1, n, nullptr));
  write_attr(obj, name, H5T_NATIVE_INT64, s, values.data());
}

void write_bool_attr(hid_t obj, const std::string& name, bool value) {
  Handle t = bool_type();
  Handle s = make_space(H5Screate(H5S_SCALAR));
  const std::int8_t v = value ? 1 : 0;
  write_attr(obj, name, t, s, &v);
}

void write_encoding(hid_t obj, const std::string& type, const std::string& version) {
  write_string_attr(obj, "encoding-type", type);
  write_string_attr(obj, "encoding-version", version);
}

Handle write_dataset(hid_t loc, const std::string& name, hid_t filetype, hid_t memtype, const void* data, Index n,
                     int gzip_level) {
  const hsize_t dim[1] = {static_cast<hsize_t>(n)};
  Handle space = make_space(H5Screate_simple(1, dim, nullptr));
  Handle dcpl = creation_plist(H5P_DATASET_CREATE);
  if (gzip_level > 0 && n > 0) {
    const hsize_t chunk[1] = {std::min<hsize_t>(dim[0], hsize_t{1} << 16)};
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level));
  }
  Handle d(H5Dcreate2(loc, name.c_str(), filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail_write(loc, "cannot create dataset '" + name + "' in " + object_name(loc) + " (disk full?)");
  if (n > 0 && H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_write(loc, "cannot write dataset '" + name + "' in " + object_name(loc) + " (disk full?)");
  if (H5Dflush(d) < 0) fail_write(loc, "cannot write dataset '" + name + "' in " + object_name(loc) + " (disk full?)");
  return d;
}

Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
  Handle t = variable_string_type(H5T_CSET_UTF8);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  Handle d = write_dataset(loc, name, t, t, ptrs.data(), static_cast<Index>(values.size()));
  write_encoding(d, "string-array", "0.2.0");
  return d;
}

Handle write_bools(hid_t loc, const std::string& name, const std::vector<std::uint8_t>& values) {
  Handle t = bool_type();
  std::vector<std::int8_t> v(values.begin(), values.end());
  for (auto& x : v) x = x != 0 ? 1 : 0;
  Handle d = write_dataset(loc, name, t, t, v.data(), static_cast<Index>(v.size()));
  write_encoding(d, "array", "0.2.0");
  return d;
}

Handle create_extendible(hid_t loc, const std::string& name, hid_t filetype, Index chunk, int gzip_level) {
  const hsize_t dim[1] = {0};
  const hsize_t maxdim[1] = {H5S_UNLIMITED};
  Handle space = make_space(H5Screate_simple(1, dim, maxdim));
  Handle dcpl = creation_plist(H5P_DATASET_CREATE);
  const hsize_t ch[1] = {static_cast<hsize_t>(std::max<Index>(chunk, 1))};
  if (!space.valid() || !dcpl.valid() || H5Pset_chunk(dcpl, 1, ch) < 0 ||
      (gzip_level > 0 && H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level)) < 0))
    fail(file_name(loc), "cannot set up dataset '" + name + "'");
  Handle d(H5Dcreate2(loc, name.c_str(), filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail_write(loc, "cannot create dataset '" + name + "' in " + object_name(loc) + " (disk full?)");
  return d;
}

void append(hid_t dataset, hid_t memtype, const void* data, Index n) {
  if (n <= 0) return;
  const Index old = length(dataset);
  const hsize_t new_size[1] = {static_cast<hsize_t>(old + n)};
  if (H5Dset_extent(dataset, new_size) < 0) fail_write(dataset, object_name(dataset) + ": cannot extend the dataset (disk full?)");
  Handle space = make_space(H5Dget_space(dataset));
  const hsize_t start[1] = {static_cast<hsize_t>(old)};
  const hsize_t cnt[1] = {static_cast<hsize_t>(n)};
  Handle mem = make_space(H5Screate_simple(1, cnt, nullptr));
  if (!space.valid() || !mem.valid() || H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, cnt, nullptr) < 0 ||
      H5Dwrite(dataset, memtype, mem, space, H5P_DEFAULT, data) < 0)
    fail_write(dataset, object_name(dataset) + ": cannot append " + std::to_string(n) + " elements (disk full?)");
}

}  // namespace flashmm::detail::h5
