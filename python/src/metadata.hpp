#pragma once
// Cell metadata from a pandas DataFrame (AnnData's obs), column by column as the program reads
// obs from an .h5ad: categoricals keep their categories and order (numeric categories labelled
// as the .h5ad reader labels them), booleans, strings and numbers; missing values as missing.
#include <flashmm/metadata.hpp>

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace flashmm::python {

namespace py = pybind11;

/// cell_ids: one per row. columns: tuples, one per column, prepared by flashmm/_data.py:
///   ("numeric", name, float64 array)            NaN = missing
///   ("categorical", name, int32 codes, [str])    code -1 = missing
///   ("categorical_numbers", name, int32 codes, float64 categories)
///   ("string", name, [str or None])              None = missing
///   ("boolean", name, uint8 values, uint8 missing mask or None)
/// Throws InputError when a column's length is not the number of cells.
Metadata make_metadata(std::vector<std::string> cell_ids, const py::list& columns);

}  // namespace flashmm::python
