// Checks shared by the HDF5 matrix layouts.
#include "io/h5_matrix_readers.hpp"

#include <flashmm/error.hpp>

namespace flashmm::detail {

void check_value_type(hid_t dataset) {
  const H5T_class_t c = h5::type_class(dataset);
  if (c != H5T_INTEGER && c != H5T_FLOAT)
    throw IoError(h5::where(dataset) + ": unsupported value type (expected integers or floats)");
}

std::vector<std::int64_t> read_indptr(hid_t group, Index expected, Index nnz, const std::string& where,
                                      const std::string& unit) {
  h5::Handle dataset = h5::open_dataset(group, "indptr");
  if (h5::length(dataset) != expected + 1)
    throw IoError(where + "/indptr has " + std::to_string(h5::length(dataset)) + " entries, expected " +
                  std::to_string(expected + 1) + " (" + unit + "s + 1); the file is inconsistent");
  std::vector<std::int64_t> indptr = h5::read_all<std::int64_t>(dataset);
  if (indptr.front() != 0 || indptr.back() != nnz)
    throw IoError(where + "/indptr does not span data (" + std::to_string(indptr.back()) + " vs " + std::to_string(nnz) +
                  " entries); the file is truncated or corrupt");
  for (std::size_t i = 1; i < indptr.size(); ++i)
    if (indptr[i] < indptr[i - 1])
      throw IoError(where + "/indptr decreases at " + unit + " " + std::to_string(i - 1) + "; the file is corrupt");
  return indptr;
}

}  // namespace flashmm::detail
