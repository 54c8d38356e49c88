#include <flashmm/io/stats_file.hpp>

#include "io/gzip_lines.hpp"
#include "io/hdf5_matrix.hpp"

namespace flashmm::io {

namespace h = flashmm::detail::h5;

namespace {
constexpr h::FileFormat kFormat{"flashmm-summary-stats", 1, "summary-statistics", "make one with 'flashmm sumstats'"};
}  // namespace

void write_summary_stats(const std::string& path, const SummaryStats& s, const StatsProvenance& provenance) {
  s.validate();
  detail::TempFile temp(path);
  {
    h::Handle file = h::create_file(temp.temp_path());
    h::write_header(file, kFormat);
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
    h::write_ints(file, "d", s.d);
    h::write_names(file, s);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) h::fail(path, "cannot write the file (disk full?)");
  }
  temp.commit();
}

SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance) {
  h::Handle file = h::open_file(path);
  h::check_header(file, path, kFormat);
  SummaryStats s;
  s.n = h::read_int64_attr(file, "n");
  s.XX = h::read_matrix(file, "XX");
  s.XY = h::read_matrix(file, "XY");
  s.ZX = h::read_matrix(file, "ZX");
  s.ZY = h::read_matrix(file, "ZY");
  s.ZZ = h::read_matrix(file, "ZZ");
  s.Ynorm = h::read_vector(file, "Ynorm");
  s.d = h::read_ints(file, "d");
  h::read_names(file, s);
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
