#include "support/cli_run.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flashmm::testing {

#ifdef FLASHMM_CLI_PATH  // defined where the program is built, as in tests/cli
CliRun run_cli(const std::string& args, const std::filesystem::path& dir) {
  const std::filesystem::path err = dir / "stderr.txt";
  const char* env = std::getenv("FLASHMM_CLI");  // the program away from its build tree (scripts/gpu-check)
  const std::string cli = env != nullptr && *env != '\0' ? env : FLASHMM_CLI_PATH;
  const std::string cmd = std::string("'") + cli + "' " + args + " 2> '" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(err);
  std::stringstream ss;
  ss << f.rdbuf();
  return {rc, ss.str()};
}
#endif

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Tsv read_tsv(const std::filesystem::path& p) {
  Tsv t;
  std::ifstream f(p);
  std::string line;
  bool first = true;
  while (std::getline(f, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) fields.push_back(field);
    if (first) t.header = fields, first = false;
    else t.rows.push_back(fields);
  }
  return t;
}

double to_double(const std::string& s) { return s == "NA" ? std::nan("") : std::stod(s); }

}  // namespace flashmm::testing
