#pragma once
// Running the flashmm program in tests and reading its tab-separated outputs.
#include "support/fixture.hpp"  // work_dir

#include <filesystem>
#include <string>
#include <vector>

namespace flashmm::testing {

/// A path single-quoted for the shell command run_cli builds.
inline std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

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
