#pragma once
// Running the flashmm program in tests and reading its tab-separated outputs.
#include <filesystem>
#include <string>
#include <vector>

namespace flashmm::testing {

/// A fresh, empty directory for one test's files, under the build directory.
std::filesystem::path work_dir(const std::string& name);

struct CliRun {
  int status;       ///< std::system's status: 0 on success
  std::string err;  ///< what the program wrote on stderr
};
/// Runs the program with `args` (already shell-quoted), capturing stderr into dir.
CliRun run_cli(const std::string& args, const std::filesystem::path& dir);

std::string slurp(const std::filesystem::path& p);

/// A TSV written by the program: header, then rows whose first field is the gene.
struct Tsv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
Tsv read_tsv(const std::filesystem::path& p);

/// A number as the program prints it; "NA" is NaN.
double to_double(const std::string& s);

}  // namespace flashmm::testing
