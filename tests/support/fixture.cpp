#include "support/fixture.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flashmm::testing {

namespace {
// The paths compiled in, unless the environment names others (a test binary run away from its
// build tree, as scripts/gpu-check runs the bundle of scripts/gpu-bundle).
std::string env_or(const char* name, const char* compiled) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(compiled);
}
}  // namespace

std::string data_path(const std::string& name) {
  return env_or("FLASHMM_TEST_DATA_DIR", FLASHMM_TEST_DATA_DIR) + "/" + name;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::filesystem::path work_dir(const std::string& name) {
  const std::filesystem::path d = std::filesystem::path(env_or("FLASHMM_BINARY_DIR", FLASHMM_BINARY_DIR)) / "test_out" / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

namespace {
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  out.push_back(cell);
  return out;
}

double to_double(const std::string& s) {
  if (s == "NA" || s == "NaN") return std::nan("");
  if (s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::stod(s);
}
}  // namespace

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  throw std::runtime_error("fixture has no column " + name);
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  CsvTable t;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("empty fixture " + path);
  t.header = split_csv_line(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    t.rows.push_back(split_csv_line(line));
  }
  return t;
}

NamedMatrix read_named_matrix(const std::string& path) {
  CsvTable t = read_csv(path);
  NamedMatrix m;
  m.col_names.assign(t.header.begin() + 1, t.header.end());
  m.values.resize(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(m.col_names.size()));
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    m.row_names.push_back(t.rows[r][0]);
    for (std::size_t c = 1; c < t.rows[r].size(); ++c)
      m.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c - 1)) = to_double(t.rows[r][c]);
  }
  return m;
}

LongMatrices read_long_matrices(const std::string& path) {
  CsvTable t = read_csv(path);
  LongMatrices out;
  std::map<std::string, int> index;
  for (const auto& row : t.rows) {
    for (int j : {1, 2})
      if (!index.count(row[static_cast<std::size_t>(j)])) {
        index[row[static_cast<std::size_t>(j)]] = static_cast<int>(out.names.size());
        out.names.push_back(row[static_cast<std::size_t>(j)]);
      }
  }
  const auto k = static_cast<Eigen::Index>(out.names.size());
  for (const auto& row : t.rows) {
    auto& m = out.by_gene[row[0]];
    if (m.size() == 0) m = Eigen::MatrixXd::Constant(k, k, std::nan(""));
    m(index[row[1]], index[row[2]]) = to_double(row[3]);
  }
  return out;
}

bool near_relative(double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::abs(a - b) <= tol * std::max(std::abs(a), std::abs(b));
}

}  // namespace flashmm::testing
