#include "io/h5_direct_reader.hpp"

#include <flashmm/error.hpp>

#include <zlib.h>
#if FLASHMM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace flashmm::detail {

namespace {

enum class Element { i8, u8, i16, u16, i32, u32, i64, u64, f32, f64 };

struct Filter {
  H5Z_filter_t id;
  std::size_t shuffle_size = 0;  // the shuffle filter's element size
};

// Reads exactly n bytes at `offset`; IoError naming `where` otherwise.
void pread_all(int fd, unsigned char* dst, std::size_t n, std::uint64_t offset, const std::string& where) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, dst, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw IoError(where + ": cannot read " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                    (got == 0 ? " (the file ends before; it is truncated)" : std::string(" (") + std::strerror(errno) + ")"));
    dst += got;
    n -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
}

// HDF5's shuffle filter stores byte k of every element together; this undoes it. Bytes past the
// last whole element are kept as they are, as HDF5 does.
void unshuffle(const unsigned char* src, unsigned char* dst, std::size_t bytes, std::size_t size) {
  const std::size_t n = bytes / size;
  for (std::size_t k = 0; k < size; ++k) {
    const unsigned char* plane = src + k * n;
    for (std::size_t i = 0; i < n; ++i) dst[i * size + k] = plane[i];
  }
  std::memcpy(dst + n * size, src + n * size, bytes - n * size);
}

template <class T>
T load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class S, class D>
void convert_all(const unsigned char* src, Index n, D* out) {
  for (Index i = 0; i < n; ++i) out[i] = static_cast<D>(load<S>(src + static_cast<std::size_t>(i) * sizeof(S)));
}

template <class F>
auto dispatch(Element e, F&& f) {
  switch (e) {
    case Element::i8: return f(std::int8_t{});
    case Element::u8: return f(std::uint8_t{});
    case Element::i16: return f(std::int16_t{});
    case Element::u16: return f(std::uint16_t{});
    case Element::i32: return f(std::int32_t{});
    case Element::u32: return f(std::uint32_t{});
    case Element::i64: return f(std::int64_t{});
    case Element::u64: return f(std::uint64_t{});
    case Element::f32: return f(float{});
    case Element::f64: break;
  }
  return f(double{});
}

}  // namespace

struct H5DirectReader::Storage {
  int fd = -1;
  Element element = Element::f64;
  std::size_t element_size = 0;
  Index length = 0;
  bool chunked = false;
  std::uint64_t contiguous_offset = 0;
  Index chunk_elements = 0;  // elements a stored chunk holds (the last one is stored whole too)
  std::vector<Filter> filters;
  hid_t dataset = H5I_INVALID_HID;  // for plan() only
};

DecodeScratch::DecodeScratch() = default;
DecodeScratch::DecodeScratch(DecodeScratch&& o) noexcept { *this = std::move(o); }
DecodeScratch& DecodeScratch::operator=(DecodeScratch&& o) noexcept {
  std::swap(stored, o.stored);
  std::swap(a, o.a);
  std::swap(b, o.b);
  std::swap(inflater, o.inflater);
  std::swap(decoded, o.decoded);
  return *this;
}
DecodeScratch::~DecodeScratch() {
#if FLASHMM_HAVE_LIBDEFLATE
  if (inflater != nullptr) libdeflate_free_decompressor(static_cast<libdeflate_decompressor*>(inflater));
#endif
}

namespace {

// Fills `st` from the dataset's type and storage; returns why it cannot be read directly, or "".
std::string inspect(hid_t dataset, const std::string& path, H5DirectReader::Storage& st);

}  // namespace

H5DirectReader::H5DirectReader(hid_t dataset, const std::string& path, std::string where)
    : st_(std::make_unique<Storage>()), where_(std::move(where)) {
  st_->dataset = dataset;
  why_not_ = inspect(dataset, path, *st_);
  direct_ = why_not_.empty();
}

namespace {

std::string inspect(hid_t dataset, const std::string& path, H5DirectReader::Storage& st) {
  if constexpr (std::endian::native != std::endian::little) return "this machine is not little-endian";
  st.length = h5::length(dataset);

  h5::Handle type(H5Dget_type(dataset), H5Tclose);
  if (!type.valid() || H5Tget_order(type) != H5T_ORDER_LE) return "not a little-endian number type";
  const H5T_class_t cls = H5Tget_class(type);
  st.element_size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    // IEEE binary32/64 only (HDF5 can store custom float layouts).
    if (H5Tequal(type, H5T_IEEE_F32LE) > 0) st.element = Element::f32;
    else if (H5Tequal(type, H5T_IEEE_F64LE) > 0) st.element = Element::f64;
    else return "a float type other than IEEE float32/float64";
  } else if (cls == H5T_INTEGER) {
    const bool sign = H5Tget_sign(type) == H5T_SGN_2;
    if (H5Tget_precision(type) != 8 * st.element_size || H5Tget_offset(type) != 0) return "an integer type with padding bits";
    switch (st.element_size) {
      case 1: st.element = sign ? Element::i8 : Element::u8; break;
      case 2: st.element = sign ? Element::i16 : Element::u16; break;
      case 4: st.element = sign ? Element::i32 : Element::u32; break;
      case 8: st.element = sign ? Element::i64 : Element::u64; break;
      default: return "an integer type of unusual size";
    }
  } else {
    return "not a number type";
  }

  h5::Handle dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!dcpl.valid()) return "cannot inspect the dataset's storage";
  if (H5Pget_external_count(dcpl) > 0) return "the dataset is stored in external files";
  const H5D_layout_t layout = H5Pget_layout(dcpl);
  if (layout == H5D_CONTIGUOUS) {
    h5::Handle file(H5Iget_file_id(dataset), H5Fclose);
    h5::Handle fcpl(file.valid() ? H5Fget_create_plist(file) : H5I_INVALID_HID, H5Pclose);
    hsize_t userblock = 1;
    // A user block shifts every address; no anndata or 10x file has one.
    if (!fcpl.valid() || H5Pget_userblock(fcpl, &userblock) < 0 || userblock != 0) return "the file has a user block";
    if (st.length > 0) {
      const haddr_t off = H5Dget_offset(dataset);
      if (off == HADDR_UNDEF) return "the dataset's storage is not allocated";
      st.contiguous_offset = off;
    }
  } else if (layout == H5D_CHUNKED) {
    st.chunked = true;
    hsize_t cdim[1] = {0};
    if (H5Pget_chunk(dcpl, 1, cdim) != 1 || cdim[0] == 0) return "cannot read the chunk shape";
    st.chunk_elements = static_cast<Index>(cdim[0]);
    const int nf = H5Pget_nfilters(dcpl);
    for (int i = 0; i < nf; ++i) {
      unsigned flags = 0, config = 0;
      std::size_t nvalues = 4;
      unsigned values[4] = {0, 0, 0, 0};
      char name[64];
      const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nvalues, values, sizeof name,
                                             name, &config);
      if (id == H5Z_FILTER_DEFLATE) st.filters.push_back({id, 0});
      else if (id == H5Z_FILTER_SHUFFLE) st.filters.push_back({id, nvalues > 0 && values[0] > 0 ? values[0] : st.element_size});
      else return "filter " + std::to_string(id) + " is decoded by HDF5";
    }
    const Index n_chunks = st.length == 0 ? 0 : (st.length + st.chunk_elements - 1) / st.chunk_elements;
    hsize_t stored = 0;
    h5::Handle space = h5::file_space(dataset);
    if (H5Dget_num_chunks(dataset, space, &stored) < 0) return "cannot count the stored chunks";
    if (static_cast<Index>(stored) != n_chunks) return "some chunks are not stored (fill values)";
    return {};
  } else {
    return "compact storage";
  }
  st.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (st.fd < 0) return "cannot open the file a second time";
  return {};
}

}  // namespace

H5DirectReader::~H5DirectReader() {
  if (st_->fd >= 0) ::close(st_->fd);
}

void H5DirectReader::plan(Index offset, Index count, std::vector<DatasetPiece>& pieces, const DecodeScratch* cached) {
  Storage& st = *st_;
  if (count <= 0) return;
  if (offset < 0 || offset + count > st.length)
    throw IoError(where_ + ": elements " + std::to_string(offset) + ".." + std::to_string(offset + count) +
                  " are beyond the dataset's " + std::to_string(st.length) + "; the file is inconsistent");
  if (!st.chunked) {
    constexpr Index kSlice = Index{1} << 18;
    for (Index f = offset; f < offset + count; f += kSlice) {
      DatasetPiece p;
      p.first = f;
      p.count = std::min(kSlice, offset + count - f);
      pieces.push_back(std::move(p));
    }
    return;
  }
  const Index c0 = offset / st.chunk_elements, c1 = (offset + count - 1) / st.chunk_elements;
  for (Index c = c0; c <= c1; ++c) {
    DatasetPiece p;
    p.chunk = c;
    p.first = std::max(offset, c * st.chunk_elements);
    p.count = std::min(offset + count, (c + 1) * st.chunk_elements) - p.first;
    // Only the first chunk can be taken from the scratch: decoding the others may replace it.
    bool have = false;
    if (cached != nullptr && c == c0)
      for (const auto& d : cached->decoded) have = have || (d.dataset == this && d.chunk == c);
    if (!have) {
      // HDF5 finds the chunk in its index (a B-tree lookup) and copies it as stored.
      const hsize_t coord[1] = {static_cast<hsize_t>(c * st.chunk_elements)};
      hsize_t size = 0;
      if (H5Dget_chunk_storage_size(st.dataset, coord, &size) < 0 || size == 0)
        throw IoError(where_ + ": cannot locate stored chunk " + std::to_string(c) + "; the file may be corrupt");
      p.stored.reset(new unsigned char[size]);
      p.stored_bytes = size;
      if (H5Dread_chunk(st.dataset, H5P_DEFAULT, coord, &p.mask, p.stored.get()) < 0)
        throw IoError(where_ + ": cannot read stored chunk " + std::to_string(c) + "; the file may be truncated or corrupt");
    }
    pieces.push_back(std::move(p));
  }
}

const unsigned char* H5DirectReader::elements(const DatasetPiece& p, DecodeScratch& s) const {
  const Storage& st = *st_;
  const std::size_t esize = st.element_size;
  if (p.chunk < 0) {
    s.stored.resize(static_cast<std::size_t>(p.count) * esize);
    pread_all(st.fd, s.stored.data(), s.stored.size(), st.contiguous_offset + static_cast<std::uint64_t>(p.first) * esize,
              where_);
    return s.stored.data();
  }
  const std::size_t offset = static_cast<std::size_t>(p.first - p.chunk * st.chunk_elements) * esize;
  for (const auto& d : s.decoded)
    if (d.dataset == this && d.chunk == p.chunk) return d.bytes.data() + offset;
  const std::size_t chunk_bytes = static_cast<std::size_t>(st.chunk_elements) * esize;
  if (!p.stored)
    throw IoError(where_ + ": stored chunk " + std::to_string(p.chunk) + " was not read (planned for another scratch)");
  const unsigned char* data = p.stored.get();
  std::size_t bytes = p.stored_bytes;
  std::vector<unsigned char>* out = &s.a;
  // Filters were applied in pipeline order on writing; undo them last to first.
  for (std::size_t i = st.filters.size(); i-- > 0;) {
    if ((p.mask >> i) & 1u) continue;  // skipped for this chunk (e.g. deflate did not pay)
    const Filter& f = st.filters[i];
    out->resize(chunk_bytes);
    if (f.id == H5Z_FILTER_DEFLATE) {
      std::size_t got = 0;
#if FLASHMM_HAVE_LIBDEFLATE
      if (s.inflater == nullptr) s.inflater = libdeflate_alloc_decompressor();
      if (s.inflater == nullptr) throw std::bad_alloc();
      const auto rc = libdeflate_zlib_decompress(static_cast<libdeflate_decompressor*>(s.inflater), data, bytes,
                                                 out->data(), chunk_bytes, &got);
      const bool ok = rc == LIBDEFLATE_SUCCESS;
#else
      uLongf len = static_cast<uLongf>(chunk_bytes);
      const bool ok = ::uncompress(out->data(), &len, data, static_cast<uLong>(bytes)) == Z_OK;
      got = len;
#endif
      if (!ok || got != chunk_bytes)
        throw IoError(where_ + ": stored chunk " + std::to_string(p.chunk) +
                      " does not inflate to its size; the file is truncated or corrupt");
    } else {
      if (bytes != chunk_bytes)
        throw IoError(where_ + ": stored chunk " + std::to_string(p.chunk) + " has " + std::to_string(bytes) +
                      " bytes, expected " + std::to_string(chunk_bytes) + "; the file is corrupt");
      unshuffle(data, out->data(), bytes, f.shuffle_size);
    }
    data = out->data();
    bytes = chunk_bytes;
    out = out == &s.a ? &s.b : &s.a;
  }
  if (bytes != chunk_bytes)
    throw IoError(where_ + ": stored chunk " + std::to_string(p.chunk) + " has " + std::to_string(bytes) +
                  " bytes, expected " + std::to_string(chunk_bytes) + "; the file is corrupt");
  // Kept as this dataset's last decoded chunk (in the slot it had, else the oldest).
  DecodeScratch::Decoded* keep = &s.decoded[0];
  for (auto& d : s.decoded) {
    if (d.dataset == this) {
      keep = &d;
      break;
    }
    if (d.dataset == nullptr && keep->dataset != nullptr) keep = &d;
  }
  if (keep->dataset != this && keep->dataset != nullptr) {
    // Evict the first slot, rotating the others forward, so the oldest goes.
    std::rotate(std::begin(s.decoded), std::begin(s.decoded) + 1, std::end(s.decoded));
    keep = &s.decoded[3];
  }
  if (data == p.stored.get()) {
    keep->bytes.assign(data, data + bytes);  // no filter applied: the chunk as stored
  } else {
    std::swap(keep->bytes, data == s.a.data() ? s.a : s.b);
  }
  keep->dataset = this;
  keep->chunk = p.chunk;
  return keep->bytes.data() + offset;
}

void H5DirectReader::decode(const DatasetPiece& p, DecodeScratch& s, double* out) const {
  const unsigned char* src = elements(p, s);
  dispatch(st_->element, [&](auto tag) { convert_all<decltype(tag), double>(src, p.count, out); });
}

Index H5DirectReader::decode(const DatasetPiece& p, DecodeScratch& s, std::int32_t* out, std::int64_t bound,
                             std::string& bad) const {
  const unsigned char* src = elements(p, s);
  return dispatch(st_->element, [&](auto tag) -> Index {
    using S = decltype(tag);
    if constexpr (std::is_floating_point_v<S>) {
      // Indices stored as floats: whole numbers only.
      for (Index i = 0; i < p.count; ++i) {
        const S v = load<S>(src + static_cast<std::size_t>(i) * sizeof(S));
        if (!(v >= 0 && v < static_cast<S>(bound)) || v != static_cast<S>(static_cast<std::int64_t>(v))) {
          bad = std::to_string(v);
          return i;
        }
        out[i] = static_cast<std::int32_t>(v);
      }
    } else {
      // Negative values become huge as unsigned: one comparison bounds both ends. The loop has
      // no early exit so that it vectorises; the first bad index is looked for only if any is.
      const auto ubound = static_cast<std::uint64_t>(bound);
      const auto inside = [&](S v) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) < ubound; };
      unsigned all = 1;
      for (Index i = 0; i < p.count; ++i) {
        const S v = load<S>(src + static_cast<std::size_t>(i) * sizeof(S));
        all &= inside(v) ? 1u : 0u;
        out[i] = static_cast<std::int32_t>(v);
      }
      if (all != 0) return -1;
      for (Index i = 0; i < p.count; ++i) {
        const S v = load<S>(src + static_cast<std::size_t>(i) * sizeof(S));
        if (!inside(v)) {
          bad = std::to_string(v);
          return i;
        }
      }
    }
    return -1;
  });
}

}  // namespace flashmm::detail
