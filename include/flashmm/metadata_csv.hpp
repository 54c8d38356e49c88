#pragma once
// Reading a cell metadata table from a delimited text file (R's write.csv, pandas' to_csv, TSV).
#include <flashmm/metadata.hpp>

#include <string>
#include <vector>

namespace flashmm {

struct MetadataCsvOptions {
  /// Field separator; '\0' picks it from the extension: .csv -> ',', .tsv/.txt -> tab, other
  /// extensions -> tab when the header line holds a tab, else ','.
  char delimiter = '\0';
  /// Name of the column holding the cell ids; empty: the first column (its header may be empty,
  /// as R's write.csv writes it, or missing altogether, as R's write.table writes it).
  std::string id_column;
  /// false: every column is data and the cell ids are the row numbers "1", "2", ... (R's
  /// default row names), e.g. for a table written with row.names = FALSE.
  bool has_id_column = true;
  /// Columns to read as categorical whatever their values (--categorical COL,...). Levels are
  /// sorted: strings in byte order, numbers by value (labelled as R prints them), FALSE < TRUE.
  std::vector<std::string> categorical;
  /// Columns to read as text whatever their values (R's colClasses = "character"): a column of
  /// digits "1", "10", "2" is then a factor with levels in byte order, "1" < "10" < "2".
  std::vector<std::string> text;
};

/// Reads a metadata table. Each column's type follows from its own values only, as R's
/// read.csv decides it (quoted or not): numeric when every non-missing value is a number; boolean
/// when every one is TRUE/FALSE/true/false/True/False; otherwise string (Kind::string, one
/// std::string per cell; its type_note names the first value that is not a number). Declared
/// categorical columns are Kind::categorical; declared text columns Kind::string.
/// Missing values: empty fields, NA, nan, NaN. Quoted fields may hold delimiters, doubled quotes
/// and newlines; CRLF line ends are accepted.
/// Throws IoError (cannot open, unterminated quote, wrong field count, a header of one column that
/// holds another delimiter: names the file, the line and the likely cause) and InputError
/// (duplicated cell ids, unknown id, categorical or text column: names them).
Metadata read_metadata_csv(const std::string& path, const MetadataCsvOptions& options = {});

}  // namespace flashmm
