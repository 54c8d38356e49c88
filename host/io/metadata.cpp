#include <flashmm/metadata.hpp>

#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>

namespace flashmm {

Index MetadataColumn::size() const {
  switch (kind) {
    case Kind::numeric: return static_cast<Index>(numbers.size());
    case Kind::categorical: return static_cast<Index>(codes.size());
    case Kind::string: return static_cast<Index>(strings.size());
    case Kind::boolean: return static_cast<Index>(booleans.size());
  }
  return 0;
}

bool MetadataColumn::is_missing(Index cell) const {
  const auto i = static_cast<std::size_t>(cell);
  switch (kind) {
    case Kind::numeric: return numbers[i] != numbers[i];  // NaN
    case Kind::categorical: return codes[i] < 0;
    case Kind::string:
    case Kind::boolean: return !missing.empty() && missing[i] != 0;
  }
  return false;
}

const MetadataColumn* Metadata::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

void make_categorical(MetadataColumn& col) {
  using Kind = MetadataColumn::Kind;
  const Index n = col.size();
  std::vector<std::int32_t> codes(static_cast<std::size_t>(n), -1);
  std::vector<std::string> levels;
  if (col.kind == Kind::numeric) {
    detail::factor_of_numbers(col.numbers, levels, codes);
  } else if (col.kind == Kind::string || col.kind == Kind::boolean) {
    std::vector<std::string> text(static_cast<std::size_t>(n));
    for (Index c = 0; c < n; ++c) {
      if (col.is_missing(c)) continue;
      const auto k = static_cast<std::size_t>(c);
      text[k] = col.kind == Kind::string ? col.strings[k] : (col.booleans[k] ? "TRUE" : "FALSE");
      levels.push_back(text[k]);
    }
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    for (Index c = 0; c < n; ++c) {
      if (col.is_missing(c)) continue;
      const auto k = static_cast<std::size_t>(c);
      codes[k] = static_cast<std::int32_t>(std::lower_bound(levels.begin(), levels.end(), text[k]) - levels.begin());
    }
  } else {
    return;  // already categorical
  }
  MetadataColumn out;
  out.name = std::move(col.name);
  out.kind = Kind::categorical;
  out.codes = std::move(codes);
  out.levels = std::move(levels);
  col = std::move(out);
}

}  // namespace flashmm
