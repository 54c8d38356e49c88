#include "io/io_test_util.hpp"

#include "support/fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flashmm::testing {

namespace {
std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}
}  // namespace

WholeMatrix reference_s1() {
  WholeMatrix m;
  m.genes = lines_of(data_path("s1_genes.txt"));
  m.cells = lines_of(data_path("s1_cells.txt"));
  gzFile f = gzopen(data_path("s1_counts.mtx.gz").c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open s1_counts.mtx.gz");
  char buf[256];
  long rows = 0, cols = 0, nnz = 0;
  bool header = true;
  std::vector<long> per_cell;
  struct T { long g, c; double v; };
  std::vector<T> entries;
  while (gzgets(f, buf, sizeof buf) != nullptr) {
    if (buf[0] == '%') continue;
    std::istringstream ss(buf);
    if (header) {
      ss >> rows >> cols >> nnz;
      header = false;
      continue;
    }
    T t{};
    ss >> t.g >> t.c >> t.v;
    entries.push_back(t);
  }
  gzclose(f);
  if (static_cast<long>(entries.size()) != nnz || rows != static_cast<long>(m.genes.size()) ||
      cols != static_cast<long>(m.cells.size()))
    throw std::runtime_error("s1_counts.mtx.gz does not match its name files");
  // The fixture is sorted by cell then gene (R's writeMM of a CSC matrix).
  long cell = 1;
  for (const auto& t : entries) {
    if (t.c < cell) throw std::runtime_error("s1_counts.mtx.gz not sorted by cell");
    while (cell < t.c) {
      m.indptr.push_back(static_cast<std::int64_t>(m.values.size()));
      ++cell;
    }
    m.indices.push_back(static_cast<std::int32_t>(t.g - 1));
    m.values.push_back(t.v);
  }
  while (static_cast<long>(m.indptr.size()) <= cols) m.indptr.push_back(static_cast<std::int64_t>(m.values.size()));
  return m;
}

}  // namespace flashmm::testing
