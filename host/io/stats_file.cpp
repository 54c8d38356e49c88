#include <flashmm/io/stats_file.hpp>

#include "io/gzip_lines.hpp"
#include "io/hdf5_matrix.hpp"
#include "io/stats_arrays.hpp"

namespace flashmm::io {

namespace h = flashmm::detail::h5;

namespace {
constexpr h::FileFormat kFormat{"flashmm-summary-stats", 1, "summary-statistics", "make one with 'flashmm sumstats'"};
}  // namespace

}  // namespace flashmm::io

namespace flashmm::detail::h5 {

void write_stats_arrays(hid_t loc, const SummaryStats& s) {
  write_scalar_attr(loc, "n", static_cast<std::int64_t>(s.n));
  write_matrix(loc, "XX", s.XX);
  write_matrix(loc, "XY", s.XY, 4);
  write_matrix(loc, "ZX", s.ZX);
  write_matrix(loc, "ZY", s.ZY, 4);
  write_matrix(loc, "ZZ", s.ZZ);
  write_matrix(loc, "Ynorm", s.Ynorm);
  write_ints(loc, "d", s.d);
  write_names(loc, s);
}

SummaryStats read_stats_arrays(hid_t loc) {
  SummaryStats s;
  s.n = read_int64_attr(loc, "n");
  s.XX = read_matrix(loc, "XX");
  s.XY = read_matrix(loc, "XY");
  s.ZX = read_matrix(loc, "ZX");
  s.ZY = read_matrix(loc, "ZY");
  s.ZZ = read_matrix(loc, "ZZ");
  s.Ynorm = read_vector(loc, "Ynorm");
  s.d = read_ints(loc, "d");
  read_names(loc, s);
  return s;
}

}  // namespace flashmm::detail::h5

namespace flashmm::io {

void write_summary_stats(const std::string& path, const SummaryStats& s, const StatsProvenance& provenance) {
  s.validate();
  detail::TempFile temp(path);
  {
    h::Handle file = h::create_file(temp.temp_path());
    h::write_header(file, kFormat);
    h::write_string_attr(file, "transform", provenance.transform);
    h::write_string_attr(file, "fixed_formula", provenance.fixed_formula);
    h::write_string_array_attr(file, "random_formulas", provenance.random_formulas);
    h::write_stats_arrays(file, s);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) h::fail(path, "cannot write the file (disk full?)");
  }
  temp.commit();
}

SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance) {
  h::Handle file = h::open_file(path);
  h::check_header(file, path, kFormat);
  SummaryStats s = h::read_stats_arrays(file);
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
