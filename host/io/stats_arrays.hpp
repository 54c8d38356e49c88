#pragma once
// Internal: the arrays of SummaryStats in one of our HDF5 files, under a location (the root of a
// stats file, the "stats" group of a fit file), so both files hold them the same way.
#include <flashmm/summary_stats.hpp>

#include "io/hdf5_util.hpp"

namespace flashmm::detail::h5 {

/// n (attribute), XX (p x p), XY (p x G), ZX (q x p), ZY (q x G), ZZ (q x q), Ynorm (G), d (k)
/// and the names, under loc.
void write_stats_arrays(hid_t loc, const SummaryStats& s);
/// The same back; IoError naming the file when a dataset is missing or malformed (shapes are
/// checked by the caller with SummaryStats::validate).
SummaryStats read_stats_arrays(hid_t loc);

}  // namespace flashmm::detail::h5
