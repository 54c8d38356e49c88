#pragma once
// Internal: the arrays of SummaryStats in one of our HDF5 files, under a location (the root of a
// stats file, the "stats" group of a fit file), so both files hold them the same way.
#include <flashmm/summary_stats.hpp>

#include "io/hdf5_util.hpp"

namespace flashmm::detail::h5 {

/// n (attribute), XX (p x p), XY (p x G), ZX (q x p), ZY (q x G), ZZ (q x q), Ynorm (G x 1),
/// Ysum (G x 1), nnz (G, int64), d (k) and the names, under loc; XY and ZY (and the exact sums)
/// compressed at gzip_level (0: contiguous). With with_exact and when s has them, the exact sums
/// too: exact_limbs (N x 4 int64) and exact_top (N int16), N = s.total_size(). Compressed
/// arrays are compressed on `threads` threads (0: all).
void write_stats_arrays(hid_t loc, const SummaryStats& s, int gzip_level, bool with_exact, int threads = 1);
/// The same back (the exact sums when present); IoError naming the file when a dataset is
/// missing or malformed (shapes are checked by the caller with SummaryStats::validate).
SummaryStats read_stats_arrays(hid_t loc);

}  // namespace flashmm::detail::h5
