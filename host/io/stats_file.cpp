#include <flashmm/io/stats_file.hpp>

#include "io/hdf5_matrix.hpp"
#include "io/stats_arrays.hpp"

#include <zlib.h>

#include <cstdio>

namespace flashmm::io {

namespace h = flashmm::detail::h5;

namespace {
constexpr h::FileFormat kFormat{"flashmm-summary-stats", 2, "summary-statistics", "make one with 'flashmm sumstats'"};
// Light compression (shuffled bytes, deflate level 1): the per-gene arrays shrink by about half
// at a small fraction of the time level 4 takes.
constexpr int kGzip = 1;

// The CRC-32 of the names, each followed by a newline. They are gathered into blocks first: a
// call per name (millions of cell ids) costs more than the checksum itself.
std::uint32_t crc_of(const std::vector<std::string>& names) {
  uLong crc = crc32(0L, Z_NULL, 0);
  std::string block;
  constexpr std::size_t kBlock = std::size_t{1} << 16;
  block.reserve(2 * kBlock);
  auto flush = [&] {
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(block.data()), block.size());
    block.clear();
  };
  for (const auto& n : names) {
    block += n;
    block += '\n';
    if (block.size() >= kBlock) flush();
  }
  flush();
  return static_cast<std::uint32_t>(crc);
}

std::string span_text(const CellSpan& s) {
  return "cells " + std::to_string(s.begin + 1) + "-" + std::to_string(s.end) + " of '" + s.input + "'";
}
}  // namespace

std::string input_identity(const std::vector<std::string>& cell_ids, const std::vector<std::string>& gene_names) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "crc32 cells %zu:%08x genes %zu:%08x", cell_ids.size(), crc_of(cell_ids),
                gene_names.size(), crc_of(gene_names));
  return buf;
}

void add_cell_spans(std::vector<CellSpan>& a, const std::vector<CellSpan>& b) {
  for (const auto& y : b) {
    for (const auto& x : a) {
      if (x.identity.empty() || x.identity != y.identity) continue;
      if (x.input_cells != y.input_cells)
        throw InputError(span_text(y) + " and " + span_text(x) + " are of inputs with the same cells but of " +
                         std::to_string(y.input_cells) + " and " + std::to_string(x.input_cells) + " cells");
      if (y.begin < x.end && x.begin < y.end)
        throw InputError("the statistics of " + span_text(y) + " overlap those of " + span_text(x) +
                         ": merging them would count cells " + std::to_string(std::max(x.begin, y.begin) + 1) + "-" +
                         std::to_string(std::min(x.end, y.end)) +
                         " twice; merge shards of disjoint cells (sumstats --cell-range)");
    }
  }
  a.insert(a.end(), b.begin(), b.end());
}

}  // namespace flashmm::io

namespace flashmm::detail::h5 {

void write_stats_arrays(hid_t loc, const SummaryStats& s, int gzip_level, bool with_exact, int threads) {
  write_scalar_attr(loc, "n", static_cast<std::int64_t>(s.n));
  write_matrix(loc, "XX", s.XX);
  write_matrix(loc, "XY", s.XY, gzip_level, threads);
  write_matrix(loc, "ZX", s.ZX);
  write_matrix(loc, "ZY", s.ZY, gzip_level, threads);
  write_matrix(loc, "ZZ", s.ZZ);
  write_matrix(loc, "Ynorm", s.Ynorm);
  write_matrix(loc, "Ysum", s.Ysum);
  write_vector(loc, "nnz", std::vector<std::int64_t>(s.nnz.data(), s.nnz.data() + s.nnz.size()));
  write_ints(loc, "d", s.d);
  write_names(loc, s);
  if (with_exact && !s.exact.empty()) {
    if (!s.exact.all_finite()) fail(file_name(loc), "the summary statistics are not finite");
    const auto n = static_cast<Index>(s.exact.size());
    write_int64_rows(loc, "exact_limbs", s.exact.limbs().data(), n, ExactSums::kLimbs, gzip_level, threads);
    write_vector(loc, "exact_top", s.exact.tops(), gzip_level);
  }
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
  s.Ysum = read_vector(loc, "Ysum");
  const auto nnz = read_all<std::int64_t>(open_dataset(loc, "nnz"));
  s.nnz = Eigen::Map<const CountVector>(nnz.data(), static_cast<Index>(nnz.size()));
  s.d = read_ints(loc, "d");
  read_names(loc, s);
  if (is_dataset(loc, "exact_limbs")) {
    try {
      s.exact = ExactSums::from_parts(read_int64_rows(loc, "exact_limbs", ExactSums::kLimbs),
                                      read_all<std::int16_t>(open_dataset(loc, "exact_top")));
    } catch (const InputError& e) {
      fail(file_name(loc), std::string("holds inconsistent exact sums: ") + e.what());
    }
  }
  return s;
}

}  // namespace flashmm::detail::h5

namespace flashmm::io {

void write_summary_stats(const std::string& path, const SummaryStats& s, const StatsProvenance& provenance,
                         int threads) {
  s.validate();
  h::write_file(path, [&](hid_t file) {
    h::write_header(file, kFormat);
    h::write_scalar_attr(file, "cell_block", static_cast<std::int64_t>(kCellBlock));
    h::write_string_attr(file, "transform", provenance.transform);
    h::write_string_attr(file, "fixed_formula", provenance.fixed_formula);
    h::write_string_array_attr(file, "random_formulas", provenance.random_formulas);
    h::write_string_attr(file, "subset", provenance.subset);
    h::write_string_attr(file, "matrix", provenance.matrix);
    h::write_stats_arrays(file, s, kGzip, true, threads);
    std::vector<std::string> inputs, identities;
    std::vector<std::int64_t> ranges;
    for (const auto& c : provenance.cells) {
      inputs.push_back(c.input);
      identities.push_back(c.identity);
      ranges.insert(ranges.end(), {c.input_cells, c.begin, c.end});
    }
    h::write_strings(file, "cells_input", inputs);
    h::write_strings(file, "cells_identity", identities);
    h::write_int64_rows(file, "cells_range", ranges.data(), static_cast<Index>(provenance.cells.size()), 3);
  });
}

SummaryStats read_summary_stats(const std::string& path, StatsProvenance* provenance) {
  h::Handle file = h::open_file(path);
  if (h::read_string_attr(file, "format") == kFormat.name && h::has_attr(file, "version") &&
      h::read_int64_attr(file, "version") == 1)
    h::fail(path, "was written by an earlier flashmm (summary-statistics format version 1, without Ysum, nnz and "
                  "exact sums); make it again with 'flashmm sumstats'");
  h::check_header(file, path, kFormat);
  SummaryStats s = h::read_stats_arrays(file);
  if (provenance != nullptr) {
    provenance->transform = h::read_string_attr(file, "transform");
    provenance->fixed_formula = h::read_string_attr(file, "fixed_formula");
    provenance->random_formulas = h::read_string_array_attr(file, "random_formulas");
    // Files of this version written before these were recorded: every cell, matrix not recorded.
    provenance->subset = h::has_attr(file, "subset") ? h::read_string_attr(file, "subset") : "";
    provenance->matrix = h::has_attr(file, "matrix") ? h::read_string_attr(file, "matrix") : "";
    const auto inputs = h::read_strings(h::open_dataset(file, "cells_input"));
    const auto identities = h::read_strings(h::open_dataset(file, "cells_identity"));
    const auto ranges = h::read_int64_rows(file, "cells_range", 3);
    if (identities.size() != inputs.size() || ranges.size() != 3 * inputs.size())
      h::fail(path, "holds cell ranges of inconsistent sizes (truncated or edited file?)");
    provenance->cells.clear();
    for (std::size_t i = 0; i < inputs.size(); ++i)
      provenance->cells.push_back({inputs[i], identities[i], ranges[3 * i], ranges[3 * i + 1], ranges[3 * i + 2]});
  }
  try {
    s.validate();
    if (!s.exact.empty()) {
      // The doubles are the rounding of the exact sums; a file edited by hand breaks that.
      SummaryStats rounded = s;
      rounded.round_exact();
      if (rounded.XY != s.XY || rounded.ZY != s.ZY || rounded.XX != s.XX || rounded.Ynorm != s.Ynorm)
        throw InputError("the totals are not the rounding of the exact sums (edited file?)");
    }
  } catch (const Error& e) {
    h::fail(path, std::string("holds inconsistent summary statistics: ") + e.what());
  }
  return s;
}

}  // namespace flashmm::io
