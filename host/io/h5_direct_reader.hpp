#pragma once
// Reading ranges of a 1-D numeric HDF5 dataset with the decoding done outside HDF5, so that it
// can run on several threads (the HDF5 library is built without thread safety and decodes one
// chunk at a time): HDF5 hands over each stored chunk as stored (H5Dread_chunk, on the thread
// that uses HDF5), and any thread inflates it (libdeflate, or zlib when flashmm is built without
// it), unshuffles and converts it. Contiguous datasets are read with pread. Datasets stored
// another way (other filters, big-endian or unusual types, external files) are left to HDF5:
// direct() says which.
#include "io/hdf5_util.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail {

/// Elements [first, first + count) of a dataset, all within one stored chunk (`chunk`, with its
/// bytes as stored and the mask of the filters skipped for it) or, for contiguous storage
/// (chunk = -1), one slice.
struct DatasetPiece {
  Index chunk = -1;
  Index first = 0;
  Index count = 0;
  std::unique_ptr<unsigned char[]> stored;  // not zeroed first: HDF5 fills it
  std::size_t stored_bytes = 0;
  std::uint32_t mask = 0;
};

/// One thread's buffers for decoding pieces; reused from piece to piece. It remembers decoded
/// chunks by reader, so it must not outlive the readers it serves.
class DecodeScratch {
 public:
  DecodeScratch();
  ~DecodeScratch();
  DecodeScratch(DecodeScratch&&) noexcept;
  DecodeScratch& operator=(DecodeScratch&&) noexcept;
  DecodeScratch(const DecodeScratch&) = delete;
  DecodeScratch& operator=(const DecodeScratch&) = delete;

  std::vector<unsigned char> stored, a, b;  // a contiguous slice as read; two buffers for the filters
  void* inflater = nullptr;                 // libdeflate's decompressor, made on first use
  /// The last chunk decoded of each of a few datasets, so that small consecutive reads (a chunk
  /// of cells smaller than a stored chunk) inflate each stored chunk once, as HDF5's cache does.
  struct Decoded {
    const void* dataset = nullptr;
    Index chunk = -1;
    std::vector<unsigned char> bytes;
  };
  Decoded decoded[4];
};

class H5DirectReader {
 public:
  /// Inspects `dataset`, a 1-D dataset of the file at `path` (HDF5 calls: on the thread that
  /// uses HDF5). `where` names it in messages ("FILE: /X/data").
  H5DirectReader(hid_t dataset, const std::string& path, std::string where);
  ~H5DirectReader();
  H5DirectReader(const H5DirectReader&) = delete;
  H5DirectReader& operator=(const H5DirectReader&) = delete;

  /// Whether elements are read without HDF5: contiguous or chunked storage whose filters are
  /// only deflate and shuffle, little-endian integers or floats. When false, read with HDF5.
  bool direct() const { return direct_; }
  /// Why direct() is false ("" when it is true), for tests and benchmarks.
  const std::string& why_not_direct() const { return why_not_; }

  /// Splits elements [offset, offset + count) into pieces of at most one stored chunk each (in
  /// order), appending them to `pieces`, and reads each chunk as stored with HDF5: call it on the
  /// thread that uses HDF5. `cached` (may be null) is the scratch that will decode the pieces, in
  /// order: when it holds the first chunk decoded (a chunk of cells smaller than a stored chunk
  /// starts where the last ended), its bytes are not read again.
  void plan(Index offset, Index count, std::vector<DatasetPiece>& pieces, const DecodeScratch* cached = nullptr);

  /// Decodes piece `p` into out[0, p.count) (no HDF5 call: any thread, one scratch per thread).
  void decode(const DatasetPiece& p, DecodeScratch& s, double* out) const;
  /// The same as indices: each must lie in [0, bound). Returns the position (within the piece)
  /// of the first that does not, its stored value written to `bad`, or -1 when all do.
  Index decode(const DatasetPiece& p, DecodeScratch& s, std::int32_t* out, std::int64_t bound,
               std::string& bad) const;

  struct Storage;  ///< opaque: layout, element type, filters, chunk positions

 private:
  // The piece's elements as stored (little-endian), decoded into one of s's buffers.
  const unsigned char* elements(const DatasetPiece& p, DecodeScratch& s) const;
  std::unique_ptr<Storage> st_;
  std::string where_;
  bool direct_ = false;
  std::string why_not_;
};

}  // namespace flashmm::detail
