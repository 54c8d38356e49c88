#pragma once
// Evaluating a formula's variables over the used cells of a metadata table: numeric expressions
// (log, scale, I(...)) and categorical variables (columns, factor(), as.factor(), C(),
// relevel(), grouping factors of bar terms).
#include <flashmm/metadata.hpp>

#include "formula/terms.hpp"

#include <cstdint>
#include <functional>
#include <span>
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

/// A numeric column that the metadata lacks, given for the cells being evaluated (one value
/// each): the per-cell totals of the expression data, computed chunk by chunk.
struct ExtraColumn {
  std::string name;
  std::span<const double> values;
};

struct EvaluateOptions {
  std::span<const ExtraColumn> extra;  ///< looked up when the metadata has no such column
  /// Warn about levels left out because no used cell has them (off where a cell subset is the
  /// reason: leaving them out is what the user asked for).
  bool warn_unused_levels = true;
  /// Names the i-th evaluated cell in messages ("cell `AAAC-1`"); empty: by the metadata's id.
  std::function<std::string(std::size_t i)> cell_name;
  /// Appended to "N of M cells" in messages, e.g. " numbered 1 to 20000".
  std::string scope;
};

/// The metadata columns a variable reads, as name nodes (for carets in messages).
void collect_columns(const Node& node, std::vector<const Node*>& out);

/// Throws InputError (with a caret under the name and close column names) when a name of the
/// variable is not a column of the metadata (nor one of `also`: columns given otherwise).
void check_columns_exist(const Variable& var, const Metadata& md, const std::string& source,
                         std::span<const std::string> also = {});

/// True when the variable is a function of each cell's own values only (numbers and arithmetic,
/// log(), I(), ...): no scale(), which needs every cell, and no categorical variable, whose
/// levels do.
bool is_per_cell(const Variable& var);

/// Evaluates a variable over the metadata rows `rows` (the used cells, none missing in the
/// columns the variable reads). Whole-table statistics (scale's mean and sd, level sets) come
/// from all of `rows`, so building the design in chunks gives the same numbers as building it
/// whole. Throws InputError for a numeric function of a categorical column, log of a
/// non-positive value, sqrt of a negative value and other non-finite results (with counts), a
/// factor(x, levels = ...) that misses values of x, and a relevel() reference that is no level.
EvaluatedVariable evaluate(const Variable& var, const Metadata& md, const std::vector<Index>& rows,
                           const std::string& source, std::vector<std::string>& warnings,
                           const EvaluateOptions& options = {});

}  // namespace flashmm::detail::formula
