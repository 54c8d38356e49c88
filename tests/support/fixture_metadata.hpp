#pragma once
// The fixtures' metadata tables as R held them when the fixtures were computed: `cls` as
// character. (R's read.csv reads those digits back as integers, and so does
// read_metadata_csv; the fixtures' designs need colClasses = c(cls = "character").)
#include <flashmm/metadata.hpp>

namespace flashmm::testing {

const Metadata& s1_metadata();  ///< tests/data/s1_metadata.csv, cells in s1's order
const Metadata& mm_metadata();  ///< tests/data/mm_metadata.csv (written with row.names = FALSE)

}  // namespace flashmm::testing
