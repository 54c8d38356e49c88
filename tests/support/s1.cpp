#include "support/s1.hpp"

#include "support/fixture.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace flashmm::testing {

namespace {

Eigen::MatrixXd read_mtx_gz(const std::string& path, std::size_t genes, std::size_t cells) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::string text;
  char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(got));
  gzclose(f);
  std::istringstream in(text);
  std::string line;
  do std::getline(in, line);
  while (!line.empty() && line[0] == '%');
  std::size_t nr, nc, nnz;
  std::istringstream(line) >> nr >> nc >> nnz;
  if (nr != genes || nc != cells) throw std::runtime_error("unexpected s1 matrix size");
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(cells), static_cast<Eigen::Index>(genes));
  for (std::size_t e = 0; e < nnz; ++e) {
    std::size_t g, c;
    double v;
    in >> g >> c >> v;
    y(static_cast<Eigen::Index>(c - 1), static_cast<Eigen::Index>(g - 1)) = v;
  }
  return y;
}

S1Data load() {
  S1Data d;
  d.genes = read_lines(data_path("s1_genes.txt"));
  d.cells = read_lines(data_path("s1_cells.txt"));
  d.counts = read_mtx_gz(data_path("s1_counts.mtx.gz"), d.genes.size(), d.cells.size());
  const CsvTable meta = read_csv(data_path("s1_metadata.csv"));
  const int ic = meta.column("cell"), is = meta.column("sam"), icl = meta.column("cls"), it = meta.column("trt"),
            ib = meta.column("batch"), il = meta.column("libsize"), ia = meta.column("age");
  for (std::size_t r = 0; r < meta.rows.size(); ++r) {
    const auto& row = meta.rows[r];
    if (row[static_cast<std::size_t>(ic)] != d.cells[r]) throw std::runtime_error("s1 metadata out of order");
    d.sam.push_back(row[static_cast<std::size_t>(is)]);
    d.cls.push_back(row[static_cast<std::size_t>(icl)]);
    d.trt.push_back(row[static_cast<std::size_t>(it)]);
    d.batch.push_back(row[static_cast<std::size_t>(ib)]);
    d.libsize.push_back(std::stod(row[static_cast<std::size_t>(il)]));
    d.age.push_back(std::stod(row[static_cast<std::size_t>(ia)]));
  }
  return d;
}

std::vector<std::string> levels_of(const std::vector<std::string>& v) {
  std::set<std::string> s(v.begin(), v.end());
  return {s.begin(), s.end()};
}

}  // namespace

const S1Data& s1() {
  static const S1Data data = load();
  return data;
}

S1Design s1_design(const std::string& fixed, const std::string& random) {
  const S1Data& s = s1();
  const auto n = static_cast<Eigen::Index>(s.cells.size());
  const auto cls = levels_of(s.cls);
  S1Design d;
  std::vector<std::function<double(std::size_t)>> cols;
  if (fixed == "intercept") {
    d.fixed_names = {"(Intercept)", "log(libsize)", "age"};
    cols.push_back([](std::size_t) { return 1.0; });
    cols.push_back([&s](std::size_t i) { return std::log(s.libsize[i]); });
    cols.push_back([&s](std::size_t i) { return s.age[i]; });
    for (std::size_t l = 1; l < cls.size(); ++l) {
      d.fixed_names.push_back("cls" + cls[l]);
      cols.push_back([&s, c = cls[l]](std::size_t i) { return s.cls[i] == c ? 1.0 : 0.0; });
    }
  } else {
    d.fixed_names = {"log(libsize)"};
    cols.push_back([&s](std::size_t i) { return std::log(s.libsize[i]); });
    for (const auto& c : cls) {
      d.fixed_names.push_back("cls" + c);
      cols.push_back([&s, c](std::size_t i) { return s.cls[i] == c ? 1.0 : 0.0; });
    }
  }
  for (const auto& c : cls) {
    d.fixed_names.push_back("cls" + c + ":trtB");
    cols.push_back([&s, c](std::size_t i) { return s.cls[i] == c && s.trt[i] == "B" ? 1.0 : 0.0; });
  }
  d.X.resize(n, static_cast<Eigen::Index>(cols.size()));
  for (Eigen::Index i = 0; i < n; ++i)
    for (std::size_t j = 0; j < cols.size(); ++j) d.X(i, static_cast<Eigen::Index>(j)) = cols[j](static_cast<std::size_t>(i));

  std::vector<const std::vector<std::string>*> factors = {&s.sam};
  d.component_names = {"sam"};
  if (random == "sam+batch") {
    factors.push_back(&s.batch);
    d.component_names.push_back("batch");
  }
  std::vector<Eigen::Triplet<double, std::int64_t>> trip;
  std::int64_t offset = 0;
  for (std::size_t f = 0; f < factors.size(); ++f) {
    const auto lev = levels_of(*factors[f]);
    std::map<std::string, std::int64_t> index;
    for (const auto& l : lev) {
      index[l] = static_cast<std::int64_t>(index.size());
      d.random_names.push_back(d.component_names[f] + l);
    }
    for (Eigen::Index i = 0; i < n; ++i) trip.emplace_back(i, offset + index[(*factors[f])[static_cast<std::size_t>(i)]], 1.0);
    d.d.push_back(static_cast<int>(lev.size()));
    offset += static_cast<std::int64_t>(lev.size());
  }
  d.Z.resize(n, offset);
  d.Z.setFromTriplets(trip.begin(), trip.end());
  return d;
}

SummaryStats s1_shape(const S1Design& design) {
  SummaryStats shape = SummaryStats::zeros(design.X.cols(), design.Z.cols(), s1().counts.cols());
  shape.fixed_names = design.fixed_names;
  shape.random_names = design.random_names;
  shape.component_names = design.component_names;
  shape.d = design.d;
  shape.gene_names = s1().genes;
  return shape;
}

SummaryStats s1_stats(const S1Design& design, int threads) {
  SummaryStatsAccumulator acc(s1_shape(design), Transform::log2p1, threads);
  acc.add(design.X, design.Z, s1().counts);
  return acc.release();
}

const SummaryStats& s1_main_stats(const std::string& random) {
  if (random == "sam") {
    static const SummaryStats one = s1_stats(s1_design("main", "sam"));
    return one;
  }
  if (random == "sam+batch") {
    static const SummaryStats two = s1_stats(s1_design("main", "sam+batch"));
    return two;
  }
  throw std::invalid_argument("s1_main_stats: random is 'sam' or 'sam+batch', not '" + random + "'");
}

}  // namespace flashmm::testing
