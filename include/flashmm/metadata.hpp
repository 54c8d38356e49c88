#pragma once
// Cell metadata: one value per cell for each named column (scanpy's obs, Seurat's meta.data).
#include <flashmm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm {

/// One metadata column. Exactly one of the value vectors is filled, by kind, with one entry per
/// cell.
struct MetadataColumn {
  enum class Kind { numeric, categorical, string, boolean };
  std::string name;
  Kind kind = Kind::numeric;
  std::vector<double> numbers;           ///< numeric: NaN marks a missing value
  std::vector<std::int32_t> codes;       ///< categorical: index into levels, -1 marks missing
  std::vector<std::string> levels;       ///< categorical: the levels, in their order
  std::vector<std::string> strings;      ///< string values
  std::vector<std::uint8_t> booleans;    ///< boolean values (0/1)
  std::vector<std::uint8_t> missing;     ///< string/boolean: 1 marks missing; empty = none missing
  /// Why a column read from text is a string column and not numeric, for messages: the first
  /// value that is not a number and where it is ("line 17 holds `5O`"); empty when not known.
  std::string type_note;

  Index size() const;
  bool is_missing(Index cell) const;
};

/// A table of cells: ids and columns, all of length n_cells().
struct Metadata {
  std::vector<std::string> cell_ids;
  std::vector<MetadataColumn> columns;

  Index n_cells() const { return static_cast<Index>(cell_ids.size()); }
  /// The column of that name, or nullptr.
  const MetadataColumn* find(const std::string& name) const;
};

/// Recodes a numeric, string or boolean column as categorical, as R's factor() does: the levels
/// are the distinct values sorted (numbers by value, labelled as R prints them, "1e+05"; strings
/// in byte order; FALSE before TRUE) and missing values get code -1. A categorical column is left
/// as it is.
void make_categorical(MetadataColumn& column);

}  // namespace flashmm
