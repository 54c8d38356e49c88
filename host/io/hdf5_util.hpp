#pragma once
// Small RAII and checked helpers over the HDF5 C API, shared by the h5ad and 10x readers and
// writers. Every call's return value is checked; failures become flashmm::IoError messages that
// name the file and the object (HDF5's own error stack printing is silenced).
#include <flashmm/error.hpp>
#include <flashmm/types.hpp>

#include "io/gzip_lines.hpp"  // TempFile

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace flashmm::detail::h5 {

/// Owns one HDF5 identifier and closes it with the right H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  /// Gives up ownership (to close explicitly and check the result).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: passes straight to the C API
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// Turns off HDF5's automatic printing of its error stack (we build our own messages).
void silence_errors();

/// "FILE: OBJECT: what" style message helper.
[[noreturn]] void fail(const std::string& file, const std::string& message);

/// Opens an HDF5 file for reading; IoError when missing or not HDF5.
Handle open_file(const std::string& path);
/// Creates (truncates) an HDF5 file for writing on disk, in formats no newer than HDF5 1.8's
/// (readable by every HDF5 since) and without timestamps: the same content gives the same bytes.
Handle create_file(const std::string& path);
/// The path of an object inside its file ("/X/data"), for messages.
std::string object_name(hid_t obj);
/// The file name an object lives in, for messages.
std::string file_name(hid_t obj);
/// "FILE: OBJECT", the start of a message about an object.
std::string where(hid_t obj);

/// Whether `path` (may contain '/') exists below loc, checking each component.
bool exists(hid_t loc, const std::string& path);
bool is_group(hid_t loc, const std::string& path);
bool is_dataset(hid_t loc, const std::string& path);
Handle open_group(hid_t loc, const std::string& path);
/// Opens a dataset, checking that HDF5 can decode its filters (check_filters_available).
Handle open_dataset(hid_t loc, const std::string& path);
/// IoError naming the dataset, the filter (LZF, Blosc, ...) and how to rewrite the file when
/// the dataset is stored with a filter this HDF5 library lacks; otherwise nothing.
void check_filters_available(hid_t dataset);

/// Names of the links in a group, in name order.
std::vector<std::string> member_names(hid_t group);

bool has_attr(hid_t obj, const std::string& name);
/// A scalar string attribute (variable or fixed length); `fallback` when absent.
std::string read_string_attr(hid_t obj, const std::string& name, const std::string& fallback = {});
/// A 1-D string array attribute (empty when absent or an empty numeric array, as anndata writes).
std::vector<std::string> read_string_array_attr(hid_t obj, const std::string& name);
/// A 1-D integer array attribute (e.g. shape).
std::vector<std::int64_t> read_int_array_attr(hid_t obj, const std::string& name);
/// An open attribute with its stored type, dataspace and number of elements.
struct AttrRead {
  Handle attr, type, space;
  std::size_t n = 0;
};
/// Opens an existing attribute; IoError naming the file and object when it cannot be inspected.
AttrRead open_attr(hid_t obj, const std::string& name);

/// Dimensions of a dataset.
std::vector<hsize_t> dims(hid_t dataset);
/// Number of elements of a 1-D dataset (IoError if not 1-D).
Index length(hid_t dataset);
/// The class of a dataset's stored type.
H5T_class_t type_class(hid_t dataset);

/// Reads elements [offset, offset + count) of a 1-D dataset converted to `memtype` into `out`.
void read_slice(hid_t dataset, hid_t memtype, Index offset, Index count, void* out);
/// The same with the dataset's file dataspace (H5Dget_space) given, for callers that read many
/// slices of one dataset; its selection is replaced.
void read_slice(hid_t dataset, hid_t file_space, hid_t memtype, Index offset, Index count, void* out);
/// The dataset's file dataspace, to pass to read_slice.
Handle file_space(hid_t dataset);
/// Reads rows [row, row + n_rows) of a 2-D dataset converted to `memtype` (row-major).
void read_rows(hid_t dataset, hid_t memtype, Index row, Index n_rows, void* out);

template <class T>
hid_t native_type();
template <>
inline hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <>
inline hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <>
inline hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <>
inline hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <>
inline hid_t native_type<std::int8_t>() { return H5T_NATIVE_INT8; }
template <>
inline hid_t native_type<std::int16_t>() { return H5T_NATIVE_INT16; }

/// A whole small 1-D dataset converted to T.
template <class T>
std::vector<T> read_all(hid_t dataset) {
  std::vector<T> out(static_cast<std::size_t>(length(dataset)));
  read_slice(dataset, native_type<T>(), 0, static_cast<Index>(out.size()), out.data());
  return out;
}
/// A whole 1-D string dataset (variable or fixed length, ASCII or UTF-8).
std::vector<std::string> read_strings(hid_t dataset);

// ---- writing --------------------------------------------------------------------------------
// Every object is created without timestamps. A write that fails (a full disk) goes through
// fail_write, which first abandons the file: HDF5 1.10 leaves a file (or dataset) whose flush or
// close failed half-destroyed in its tables, with the identifier still there, and its atexit
// handler then closes it again and crashes (the SIGSEGV at exit after a full disk); so a file is
// never closed while its writes fail. Written datasets are flushed and checked before they are
// closed, for the same reason.

/// Writes the HDF5 file `path` through a temporary name beside it: fill(file) writes the
/// content, then the file is flushed, closed and renamed into place. On any failure the file is
/// abandoned and removed, and the error propagates: no partial file is left.
template <class Fill>
void write_file(const std::string& path, Fill&& fill);

/// A creation property list (H5P_DATASET_CREATE, H5P_GROUP_CREATE) without timestamps.
Handle creation_plist(hid_t cls);
/// Makes a disk file whose writes failed safe to close: its descriptor is pointed at a copy in
/// memory, so that HDF5 can flush and close it without touching the disk (see above). A no-op
/// for files not on HDF5's default (sec2) driver and for a file already abandoned.
void abandon_file(hid_t obj);
/// abandon_file, then IoError "FILE: message".
[[noreturn]] void fail_write(hid_t obj, const std::string& message);
/// Flushes then closes a written dataset (its chunk cache), each checked: fail_write on error.
void close_written(Handle& dataset);
/// Flushes then closes a written disk file, each checked: fail_write on error.
void close_file(Handle& file);

Handle create_group(hid_t loc, const std::string& name);
/// Writes (replacing) attribute `name` of stored type `type` and shape `space` from `data` in
/// `memtype` (`type` when H5I_INVALID_HID); no data leaves it empty.
void write_attr(hid_t obj, const std::string& name, hid_t type, hid_t space, const void* data,
                hid_t memtype = H5I_INVALID_HID);
void write_string_attr(hid_t obj, const std::string& name, const std::string& value);
void write_string_array_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values);
void write_int64_array_attr(hid_t obj, const std::string& name, const std::vector<std::int64_t>& values);
/// numpy's bool as h5py stores it: an int8 enum {FALSE, TRUE}.
void write_bool_attr(hid_t obj, const std::string& name, bool value);
/// The anndata encoding attributes.
void write_encoding(hid_t obj, const std::string& type, const std::string& version);
/// A fixed-size 1-D dataset (optionally chunked + gzip when level > 0 and n > 0).
Handle write_dataset(hid_t loc, const std::string& name, hid_t filetype, hid_t memtype, const void* data, Index n,
                     int gzip_level = 0);
template <class T>
Handle write_vector(hid_t loc, const std::string& name, const std::vector<T>& v, int gzip_level = 0) {
  return write_dataset(loc, name, native_type<T>(), native_type<T>(), v.data(), static_cast<Index>(v.size()),
                       gzip_level);
}
/// A 1-D variable-length UTF-8 string dataset.
Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values);
/// A 1-D numpy bool dataset.
Handle write_bools(hid_t loc, const std::string& name, const std::vector<std::uint8_t>& values);
/// An empty, chunked, extendible 1-D dataset for appending.
Handle create_extendible(hid_t loc, const std::string& name, hid_t filetype, Index chunk, int gzip_level);
/// Appends n elements of `memtype` at the end of an extendible 1-D dataset.
void append(hid_t dataset, hid_t memtype, const void* data, Index n);

template <class Fill>
void write_file(const std::string& path, Fill&& fill) {
  TempFile temp(path);
  {
    Handle file = create_file(temp.temp_path());
    try {
      fill(static_cast<hid_t>(file));
      close_file(file);
    } catch (...) {
      if (file.valid()) abandon_file(file);
      throw;
    }
  }
  temp.commit();
}

}  // namespace flashmm::detail::h5
