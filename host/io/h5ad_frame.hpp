#pragma once
// Reading AnnData dataframes (obs, var): their index and columns, whatever their encoding.
#include <flashmm/metadata.hpp>

#include "io/hdf5_util.hpp"

#include <string>
#include <vector>

namespace flashmm::detail {

/// The dataframe's index (obs names, var names): the column named by the group's `_index`
/// attribute ("_index" when absent).
std::vector<std::string> read_frame_index(hid_t frame);
/// One column as strings: a string dataset, a categorical (0.8 group or 0.7 __categories), or
/// a numeric dataset formatted as text. Missing categorical values become "".
std::vector<std::string> read_string_column(hid_t frame, const std::string& name);
/// One column in its own kind (numeric, categorical, string, boolean).
MetadataColumn read_frame_column(hid_t frame, const std::string& name);
/// The gene names of an open .h5ad file at `path`: var's (raw/var's when use_raw) index, or its
/// column `gene_column` when given.
std::vector<std::string> read_var_names(hid_t file, const std::string& path, const std::string& gene_column, bool use_raw);
/// The frame's column names: the `column-order` attribute, or its members in name order.
std::vector<std::string> frame_column_names(hid_t frame);

}  // namespace flashmm::detail
