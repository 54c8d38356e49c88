#include <flashmm/metadata.hpp>

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

}  // namespace flashmm
