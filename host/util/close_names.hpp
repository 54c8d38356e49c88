#pragma once
// "Did you mean" suggestions for names the user mistyped (columns, options).
#include <string>
#include <string_view>
#include <vector>

namespace flashmm::detail {

/// Levenshtein distance, case-insensitive (a column typed "Cls" for "cls" is one edit away at most).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Up to `max_names` candidates closest to `name`, best first: those within an edit distance of
/// about a third of the name's length, or that contain / are contained in it.
std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& candidates,
                                     std::size_t max_names = 3);

/// " (close names: `a`, `b`)" or "" when there are none; then the full list when it is short.
std::string describe_close_names(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace flashmm::detail
