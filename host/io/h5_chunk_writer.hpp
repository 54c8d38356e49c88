#pragma once
// Internal: a chunked, shuffled and deflated dataset of our own files written chunk by chunk
// (H5Dwrite_chunk), the chunks shuffled and compressed on several threads. HDF5's filter
// pipeline compresses on the calling thread alone: the exact sums of 20,000 genes x q = 1,000
// (680 MB) would take seconds there with every other core idle. The file is the one HDF5 would
// write with the same filters (zlib streams from libdeflate where built with it, else zlib), read
// by any HDF5 reader.
#include "io/hdf5_util.hpp"

#include <cstddef>
#include <string>

namespace flashmm::detail::h5 {

/// Writes `data`, rows x plane elements of element_size bytes in row-major order and native byte
/// order, into dataset d (named `name` in messages), created chunked as chunk_rows x (the whole
/// trailing dimensions) with the shuffle and then the deflate filter at `level`. The chunks are
/// shuffled and compressed on `threads` threads (0: all), a few at a time so that memory stays
/// bounded, and written in order; an edge chunk is padded with zeros, as HDF5 pads it.
/// IoError (fail_write) when HDF5 cannot write a chunk.
void write_deflated_chunks(hid_t d, const std::string& name, const void* data, std::size_t element_size, hsize_t rows,
                           hsize_t plane, hsize_t chunk_rows, int level, int threads);

}  // namespace flashmm::detail::h5
