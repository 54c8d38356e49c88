#pragma once
// Small helpers on file paths shared by the readers (format and delimiter detection).
#include <algorithm>
#include <cctype>
#include <string_view>

namespace flashmm::detail {

/// Whether `s` ends with `suffix`, ignoring ASCII case (".H5AD" matches ".h5ad").
inline bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

}  // namespace flashmm::detail
