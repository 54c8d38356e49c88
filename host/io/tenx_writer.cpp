// Writes Cell Ranger style matrix directories (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz).
#include "io/gzip_lines.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/tenx.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>

namespace flashmm::io {

namespace {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  detail::TempFile tmp(path);
  detail::GzipWriter out(tmp.temp_path());
  for (const auto& l : lines) {
    out.write(l);
    out.write("\n");
  }
  out.close();
  tmp.commit();
}

template <class T>
void write_dir(const std::string& dir, const CsrView<T>& m, const std::vector<std::string>& genes,
               const std::vector<std::string>& cells, const std::vector<std::string>& ids) {
  const std::string w = dir + ": write_10x_dir: ";
  if (static_cast<Index>(genes.size()) != m.cols || static_cast<Index>(cells.size()) != m.rows ||
      (!ids.empty() && ids.size() != genes.size()))
    throw InputError(w + "the matrix is " + std::to_string(m.rows) + " cells x " + std::to_string(m.cols) + " genes but " +
                     std::to_string(cells.size()) + " cell ids and " + std::to_string(genes.size()) + " gene names were given");
  if (static_cast<Index>(m.indptr.size()) != m.rows + 1) throw InputError(w + "indptr must have rows + 1 entries");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create the directory (" + ec.message() + ")");

  const std::int64_t b = m.rows > 0 ? m.indptr[0] : 0;
  const std::int64_t e = m.rows > 0 ? m.indptr[static_cast<std::size_t>(m.rows)] : 0;
  bool integral = true;
  for (std::int64_t k = b; k < e && integral; ++k) {
    const double v = static_cast<double>(m.values[static_cast<std::size_t>(k)]);
    integral = v == std::floor(v) && std::abs(v) < 9.0e15;
  }
  {
    const std::string path = (std::filesystem::path(dir) / "matrix.mtx.gz").string();
    detail::TempFile tmp(path);
    detail::GzipWriter out(tmp.temp_path());
    out.write(std::string("%%MatrixMarket matrix coordinate ") + (integral ? "integer" : "real") + " general\n");
    out.write(std::to_string(m.cols) + " " + std::to_string(m.rows) + " " + std::to_string(e - b) + "\n");
    std::string line;
    const auto put = [&line](auto x, char end) {
      char buf[40];
      const auto res = std::to_chars(buf, buf + sizeof buf, x);
      line.append(buf, res.ptr);
      line.push_back(end);
    };
    for (Index r = 0; r < m.rows; ++r) {
      // Entries sorted by cell (column), then gene, as Cell Ranger writes them.
      for (std::int64_t k = m.indptr[static_cast<std::size_t>(r)]; k < m.indptr[static_cast<std::size_t>(r) + 1]; ++k) {
        line.clear();
        put(static_cast<std::int64_t>(m.indices[static_cast<std::size_t>(k)]) + 1, ' ');
        put(r + 1, ' ');
        const double v = static_cast<double>(m.values[static_cast<std::size_t>(k)]);
        if (integral) put(static_cast<std::int64_t>(v), '\n');
        else put(v, '\n');
        out.write(line);
      }
    }
    out.close();
    tmp.commit();
  }
  std::vector<std::string> features;
  features.reserve(genes.size());
  for (std::size_t g = 0; g < genes.size(); ++g) features.push_back((ids.empty() ? genes[g] : ids[g]) + "\t" + genes[g] + "\tGene Expression");
  write_lines((std::filesystem::path(dir) / "features.tsv.gz").string(), features);
  write_lines((std::filesystem::path(dir) / "barcodes.tsv.gz").string(), cells);
}

}  // namespace

void write_10x_dir(const std::string& dir, const CsrView<double>& counts, const std::vector<std::string>& gene_names,
                   const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_ids) {
  write_dir(dir, counts, gene_names, cell_ids, gene_ids);
}
void write_10x_dir(const std::string& dir, const CsrView<float>& counts, const std::vector<std::string>& gene_names,
                   const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_ids) {
  write_dir(dir, counts, gene_names, cell_ids, gene_ids);
}

}  // namespace flashmm::io
