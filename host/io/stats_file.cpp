#include <flashmm/io/stats_file.hpp>

#include "io/gzip_lines.hpp"
#include "io/hdf5_matrix.hpp"

namespace flashmm::io {

namespace h = flashmm::detail::h5;

namespace {
constexpr const char* kFormat = "flashmm-summary-stats";
constexpr std::int64_t kVersion = 1;
}  // namespace

void write_summary_stats(const std::string& path, const SummaryStats& s, const StatsProvenance& provenance) {
  s.validate();
  detail::TempFile temp(path);
  {
    h::Handle file = h::create_file(temp.temp_path());
    h::write_string_attr(file, "format", kFormat);
    h::write_scalar_attr(file, "version", kVersion);
    h::write_scalar_attr(file, "n", static_cast<std::int64_t>(s.n));
    h::write_string_attr(file, "transform", provenance.transform);
    h::write_string_attr(file, "fixed_formula", provenance.fixed_formula);
    h::write_string_array_attr(file, "random_formulas", provenance.random_formulas);
    h::write_matrix(file, "XX", s.XX);
    h::write_matrix(file, "XY", s.XY, 4);
    h::write_matrix(file, "ZX", s.ZX);
    h::write_matrix(file, "ZY", s.ZY, 4);
    h::write_matrix(file, "ZZ", s.ZZ);
    h::write_matrix(file, "Ynorm", s.Ynorm);
    std::vector<std::int64_t> d(s.d.begin(), s.d.end());
    h::write_vector(file, "d", d);
    h::write_strings(file, "fixed_names", s.fixed_names);
    h::write_strings(file, "random_names", s.random_names);
    h::write_strings(file, "component_names", s.component_names);
    h::write_strings(file, "gene_names", s.gene_names);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) h::fail(path, "cannot write the file (disk full?)");
  }
  temp.commit();
}

SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance) {
  h::Handle file = h::open_file(path);
  if (h::read_string_attr(file, "format") != kFormat)
    h::fail(path, "is not a flashmm summary-statistics file (make one with 'flashmm sumstats')");
  const std::int64_t version = h::read_int64_attr(file, "version");
  if (version != kVersion)
    h::fail(path, "is a summary-statistics file of format version " + std::to_string(version) +
                      ", this flashmm reads version " + std::to_string(kVersion));
  SummaryStats s;
  s.n = h::read_int64_attr(file, "n");
  s.XX = h::read_matrix(file, "XX");
  s.XY = h::read_matrix(file, "XY");
  s.ZX = h::read_matrix(file, "ZX");
  s.ZY = h::read_matrix(file, "ZY");
  s.ZZ = h::read_matrix(file, "ZZ");
  const Eigen::MatrixXd ynorm = h::read_matrix(file, "Ynorm");
  s.Ynorm = Eigen::Map<const Eigen::VectorXd>(ynorm.data(), ynorm.size());
  for (auto v : h::read_all<std::int64_t>(h::open_dataset(file, "d"))) s.d.push_back(static_cast<int>(v));
  s.fixed_names = h::read_strings(h::open_dataset(file, "fixed_names"));
  s.random_names = h::read_strings(h::open_dataset(file, "random_names"));
  s.component_names = h::read_strings(h::open_dataset(file, "component_names"));
  s.gene_names = h::read_strings(h::open_dataset(file, "gene_names"));
  if (provenance != nullptr) {
    provenance->transform = h::read_string_attr(file, "transform");
    provenance->fixed_formula = h::read_string_attr(file, "fixed_formula");
    provenance->random_formulas = h::read_string_array_attr(file, "random_formulas");
  }
  try {
    s.validate();
  } catch (const Error& e) {
    h::fail(path, std::string("holds inconsistent summary statistics: ") + e.what());
  }
  return s;
}

}  // namespace flashmm::io
