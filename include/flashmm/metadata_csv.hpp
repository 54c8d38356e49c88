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
  /// When a file quotes some data fields and not others (R's write.csv quotes character columns
  /// only, pandas' QUOTE_NONNUMERIC likewise), a column with a quoted value is text even if it
  /// holds digits (cluster "1", "10", "2"). Ignored for files that quote every field or none.
  bool quoted_numbers_are_text = true;
};

/// Reads a metadata table. Column types: numeric when every non-missing value parses as a number;
/// boolean when every non-missing value is TRUE/FALSE/true/false/True/False; otherwise string
/// (Kind::string, one std::string per cell); declared categorical columns are Kind::categorical.
/// Missing values: empty fields, NA, nan, NaN. Quoted fields may hold delimiters, doubled quotes
/// and newlines; CRLF line ends are accepted.
/// Throws IoError (cannot open, unterminated quote, wrong field count: names the file and line)
/// and InputError (duplicated cell ids, unknown id or categorical column: names them).
Metadata read_metadata_csv(const std::string& path, const MetadataCsvOptions& options = {});

}  // namespace flashmm
