#pragma once
// Evaluating a formula's variables over the used cells of a metadata table: numeric expressions
// (log, scale, I(...)) and categorical variables (columns, factor(), as.factor(), C()).
#include <flashmm/metadata.hpp>

#include "formula/terms.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::detail::formula {

struct EvaluatedVariable {
  std::string label;
  bool categorical = false;
  std::vector<double> values;       ///< numeric: one per used cell
  std::vector<std::int32_t> codes;  ///< categorical: one per used cell, index into levels
  std::vector<std::string> levels;  ///< categorical: in R's order (stored order, or sorted)
};

/// The metadata columns a variable reads, as name nodes (for carets in messages).
void collect_columns(const Node& node, std::vector<const Node*>& out);

/// Throws InputError (with a caret under the name and close column names) when a name of the
/// variable is not a column of the metadata.
void check_columns_exist(const Variable& var, const Metadata& md, const std::string& source);

/// Evaluates a variable over the metadata rows `rows` (the used cells, none missing in the
/// columns the variable reads). Whole-table statistics (scale's mean and sd, level sets) come
/// from all of `rows`, so building the design in chunks gives the same numbers as building it
/// whole. Throws InputError for a numeric function of a categorical column, log of a
/// non-positive value, sqrt of a negative value and other non-finite results (with counts).
EvaluatedVariable evaluate(const Variable& var, const Metadata& md, const std::vector<Index>& rows,
                           const std::string& source, std::vector<std::string>& warnings);

}  // namespace flashmm::detail::formula
