#pragma once
// Cell subsets as R users write them: a logical condition over metadata columns, as in R's
// subset(obs, cls == "3" & trt %in% c("A", "B")).
#include <flashmm/metadata.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::detail::formula {

/// Evaluates `condition` for every row of the metadata: 1 (TRUE), 0 (FALSE) or -1 (NA, from a
/// missing value, as in R; `&`, `|` and `!` follow R's three-valued logic).
///
/// Grammar: comparisons `col == value`, `!=`, `<`, `<=`, `>`, `>=` (numbers only), `col %in%
/// c(v1, v2, ...)`, `is.na(col)`, a logical column alone, TRUE, FALSE, combined with `&` (`&&`),
/// `|` (`||`), `!` and parentheses. Values are strings ("3"), numbers (3) or columns. As in R, a
/// number compared with a string or a factor level compares as text (`cls == 3` matches the
/// level "3"; a numeric column `cls == "3"` matches 3).
/// Throws ParseError (syntax, unsupported operator or function, with a caret) and InputError
/// (unknown column, an ordering comparison of text, a condition that selects no cell).
std::vector<std::int8_t> evaluate_subset(const std::string& condition, const Metadata& md);

/// The metadata columns `condition` reads, in order of appearance (ParseError on bad syntax).
std::vector<std::string> subset_columns(const std::string& condition);

}  // namespace flashmm::detail::formula
