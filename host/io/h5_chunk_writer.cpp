#include "io/h5_chunk_writer.hpp"

#include <flashmm/error.hpp>

#include "util/parallel.hpp"

#include <zlib.h>
#if FLASHMM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

namespace flashmm::detail::h5 {

namespace {

// HDF5's shuffle filter: byte j of element e goes to j * elements + e.
void shuffle(const unsigned char* in, unsigned char* out, std::size_t bytes, std::size_t size) {
  if (size <= 1) {
    std::memcpy(out, in, bytes);
    return;
  }
  const std::size_t elements = bytes / size;
  for (std::size_t e = 0; e < elements; ++e)
    for (std::size_t j = 0; j < size; ++j) out[j * elements + e] = in[e * size + j];
}

// One thread's compressor and buffers, reused from chunk to chunk.
struct Deflater {
  explicit Deflater(int compression_level) : level(compression_level) {}
  ~Deflater() {
#if FLASHMM_HAVE_LIBDEFLATE
    if (compressor != nullptr) libdeflate_free_compressor(compressor);
#endif
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // in (bytes) -> a zlib stream: out, resized to its length.
  void compress(const unsigned char* in, std::size_t bytes, std::vector<unsigned char>& out) {
#if FLASHMM_HAVE_LIBDEFLATE
    if (compressor == nullptr) compressor = libdeflate_alloc_compressor(level);
    if (compressor == nullptr) throw std::bad_alloc();
    out.resize(libdeflate_zlib_compress_bound(compressor, bytes));
    const std::size_t n = libdeflate_zlib_compress(compressor, in, bytes, out.data(), out.size());
    if (n == 0) throw std::logic_error("libdeflate_zlib_compress: the bound was too small");
    out.resize(n);
#else
    uLongf n = ::compressBound(static_cast<uLong>(bytes));
    out.resize(n);
    const int rc = ::compress2(out.data(), &n, in, static_cast<uLong>(bytes), level);
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc != Z_OK) throw std::logic_error("zlib compress2 failed");
    out.resize(n);
#endif
  }

  int level;
#if FLASHMM_HAVE_LIBDEFLATE
  libdeflate_compressor* compressor = nullptr;
#endif
  std::vector<unsigned char> padded, shuffled;
};

}  // namespace

void write_deflated_chunks(hid_t d, const std::string& name, const void* data, std::size_t element_size, hsize_t rows,
                           hsize_t plane, hsize_t chunk_rows, int level, int threads) {
  if (rows == 0 || plane == 0) return;
  const std::size_t row_bytes = static_cast<std::size_t>(plane) * element_size;
  const std::size_t chunk_bytes = static_cast<std::size_t>(chunk_rows) * row_bytes;
  const auto n_chunks = static_cast<std::int64_t>((rows + chunk_rows - 1) / chunk_rows);
  const int nt = static_cast<int>(std::min<std::int64_t>(resolve_threads(threads), n_chunks));
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::vector<std::unique_ptr<Deflater>> deflaters;
  for (int t = 0; t < nt; ++t) deflaters.push_back(std::make_unique<Deflater>(level));
  // A wave: a few chunks per thread compressed, then written in order on this thread (HDF5's).
  const std::int64_t wave = 4 * static_cast<std::int64_t>(nt);
  std::vector<std::vector<unsigned char>> compressed(static_cast<std::size_t>(std::min(wave, n_chunks)));
  std::vector<hsize_t> offset(dims(d).size(), 0);
  for (std::int64_t first = 0; first < n_chunks; first += wave) {
    const std::int64_t count = std::min(wave, n_chunks - first);
    parallel_for_slots(count, nt, [&](std::int64_t i, int slot) {
      Deflater& z = *deflaters[static_cast<std::size_t>(slot)];
      const auto k = static_cast<hsize_t>(first + i);
      const hsize_t r0 = k * chunk_rows, r1 = std::min(rows, r0 + chunk_rows);
      const unsigned char* in = bytes + static_cast<std::size_t>(r0) * row_bytes;
      const std::size_t have = static_cast<std::size_t>(r1 - r0) * row_bytes;
      if (have < chunk_bytes) {  // the edge chunk: zeros beyond the rows, as HDF5 pads it
        z.padded.assign(chunk_bytes, 0);
        std::memcpy(z.padded.data(), in, have);
        in = z.padded.data();
      }
      z.shuffled.resize(chunk_bytes);
      shuffle(in, z.shuffled.data(), chunk_bytes, element_size);
      z.compress(z.shuffled.data(), chunk_bytes, compressed[static_cast<std::size_t>(i)]);
    });
    for (std::int64_t i = 0; i < count; ++i) {
      offset[0] = static_cast<hsize_t>(first + i) * chunk_rows;
      const std::vector<unsigned char>& stream = compressed[static_cast<std::size_t>(i)];
      if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, offset.data(), stream.size(), stream.data()) < 0)
        fail_write(d, "cannot write dataset '" + name + "' (disk full?)");
    }
  }
}

}  // namespace flashmm::detail::h5
