#pragma once
// Reading the reference fixtures (R's write.csv output: quoted strings, 17 significant digits).
#include <Eigen/Dense>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flashmm::testing {

/// Path of a file in tests/data.
std::string data_path(const std::string& name);

/// The non-empty lines of a text file, a trailing '\r' removed; throws if it cannot be opened.
std::vector<std::string> read_lines(const std::string& path);

/// A fresh, empty directory for one test's files, under the build directory.
std::filesystem::path work_dir(const std::string& name);

/// A CSV table: header and rows of cells, quotes removed. "NA" stays the string "NA".
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int column(const std::string& name) const;  ///< index of a header name; throws if absent
};
CsvTable read_csv(const std::string& path);

/// A wide fixture (first column names the rows, other columns named): rows x columns of doubles;
/// "NA" becomes NaN.
struct NamedMatrix {
  std::vector<std::string> row_names;
  std::vector<std::string> col_names;
  Eigen::MatrixXd values;
};
NamedMatrix read_named_matrix(const std::string& path);

/// A long fixture (gene,row,col,value): one square matrix per gene, rows/cols in first-seen order.
struct LongMatrices {
  std::vector<std::string> names;                 ///< row/col names in order
  std::map<std::string, Eigen::MatrixXd> by_gene;
};
LongMatrices read_long_matrices(const std::string& path);

/// |a - b| <= tol * max(|a|, |b|), or both NaN. Use for relative comparisons of fixture numbers.
bool near_relative(double a, double b, double tol);

}  // namespace flashmm::testing
