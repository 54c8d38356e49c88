#include "util/close_names.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace flashmm::detail {

namespace {
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& candidates,
                                     std::size_t max_names) {
  const std::string lname = lower(name);
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::vector<std::pair<std::size_t, std::size_t>> scored;  // (distance, candidate index)
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string lc = lower(candidates[i]);
    std::size_t d = edit_distance(lname, lc);
    const bool contains = !lname.empty() && (lc.find(lname) != std::string::npos || lname.find(lc) != std::string::npos);
    if (d <= limit || (contains && !lc.empty())) scored.emplace_back(contains ? std::min(d, limit) : d, i);
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& x, auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t k = 0; k < scored.size() && out.size() < max_names; ++k) out.push_back(candidates[scored[k].second]);
  return out;
}

std::string describe_close_names(std::string_view name, const std::vector<std::string>& candidates) {
  std::string out;
  const auto close = close_names(name, candidates);
  if (!close.empty()) {
    out += "; did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i) out += (i ? (i + 1 == close.size() ? " or `" : ", `") : "`") + close[i] + "`";
    out += "?";
  }
  if (candidates.size() <= 12) {
    out += " (columns: ";
    for (std::size_t i = 0; i < candidates.size(); ++i) out += (i ? ", " : "") + candidates[i];
    out += ")";
  } else if (close.empty()) {
    out += " (" + std::to_string(candidates.size()) + " columns; none is close)";
  }
  return out;
}

}  // namespace flashmm::detail
