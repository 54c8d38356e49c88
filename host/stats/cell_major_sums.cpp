// The cell-major accumulation of CSR chunks (stats/cell_major_sums.hpp).
#include "stats/cell_major_sums.hpp"

#include "util/parallel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace flashmm::detail {

namespace {

// log2(1 + k) for the small counts that make up nearly all of a count matrix, computed by the
// same call as for any other value (so the bits are those of std::log2(1.0 + v)).
constexpr std::int64_t kTableSize = 4096;
const double* log2p1_table() {
  static const std::array<double, kTableSize> table = [] {
    std::array<double, kTableSize> t{};
    for (std::int64_t k = 0; k < kTableSize; ++k) t[static_cast<std::size_t>(k)] = std::log2(1.0 + static_cast<double>(k));
    return t;
  }();
  return table.data();
}

// The chunk's rows as runs of one block each (usually one or two per chunk).
struct Run {
  Index begin, end, block;
};

std::vector<Run> block_runs(std::span<const Index> row_block) {
  std::vector<Run> runs;
  for (std::size_t r = 0; r < row_block.size(); ++r) {
    const auto ri = static_cast<Index>(r);
    if (runs.empty() || row_block[r] != runs.back().block) runs.push_back({ri, ri + 1, row_block[r]});
    else runs.back().end = ri + 1;
  }
  return runs;
}

// A cell's value, checked (ok) and transformed as the gene-major path does.
template <class T>
inline double transformed(T raw, Transform t, const double* table, bool& ok) {
  const auto v = static_cast<double>(raw);
  if constexpr (std::is_integral_v<T>) {
    // valid_raw's test: counts unless negative.
    if (t == Transform::log2p1) {
      ok &= raw >= T(0);
      return raw >= T(0) && raw < T(kTableSize) ? table[raw] : std::log2(1.0 + v);
    }
    return v;
  } else {
    if (t == Transform::log2p1) {
      // valid_value's test, with the integer it makes at hand for the table.
      const bool in_range = v >= 0.0 && v < 0x1p53;
      const std::int64_t k = in_range ? static_cast<std::int64_t>(v) : 0;
      ok &= in_range && static_cast<double>(k) == v;
      return k < kTableSize ? table[k] : std::log2(1.0 + v);
    }
    ok &= std::isfinite(v);
    return v;
  }
}

// A value's terms in gene g's Ynorm, Ysum and count of nonzeros.
inline void add_to_gene(std::size_t g, double w, double* ynorm, double* ysum, std::int64_t* nonzeros) {
  ynorm[g] += w * w;
  ysum[g] += w;
  nonzeros[g] += w != 0.0;  // a stored zero (it transforms to 0) is not a nonzero
}

// A cell's design columns: the strip each adds to and its value there.
constexpr int kFusedColumns = 16;
struct CellColumns {
  int n = 0;
  double* strip[kFusedColumns];
  double a[kFusedColumns];
};

// Adds one cell's entries [e0, e1) to Ynorm, Ysum, the counts and the strips of its NC design
// columns, every sum once per entry in one pass over the entries (the strips' additions are
// independent, so they overlap in the core; a pass per column would wait on each in turn).
template <int NC, class T>
inline void add_fused(const std::int32_t* indices, const T* raw, std::int64_t e0, std::int64_t e1, std::int32_t g0,
                      std::int32_t g1, bool all, Transform t, const double* table, const CellColumns& c, double* ynorm,
                      double* ysum, std::int64_t* nonzeros, bool& ok) {
  const int nc = NC >= 0 ? NC : c.n;
  for (auto e = e0; e < e1; ++e) {
    const std::int32_t g = indices[e];
    if (!all && (g < g0 || g >= g1)) continue;
    const double w = transformed(raw[e], t, table, ok);
    const auto gi = static_cast<std::size_t>(g);
    add_to_gene(gi, w, ynorm, ysum, nonzeros);
    for (int k = 0; k < nc; ++k) c.strip[k][gi] += c.a[k] * w;
  }
}

// Adds rows [r0, r1) of y, their genes in [g0, g1) (all when `all`), to one block's partial
// sums (statistic-major: strips of G) and nonzero counts. genes, values: room for a row's
// entries. False (and the sums partly added: the caller discards them) on a value valid_raw
// refuses. Each sum takes its terms in cell order, whichever loop adds them.
template <class T>
bool add_rows(const CsrView<T>& y, Index r0, Index r1, std::int32_t g0, std::int32_t g1, bool all,
              const SparseRows& xr, const SparseRows& zr, Index p, Index q, Index G, Transform t, double* sums,
              std::int64_t* nonzeros, std::int32_t* genes, double* values) {
  const double* table = log2p1_table();
  const std::int64_t* indptr = y.indptr.data();
  const std::int32_t* indices = y.indices.data();
  const T* raw = y.values.data();
  const auto Gs = static_cast<std::size_t>(G);
  double* ynorm = sums + static_cast<std::size_t>(p + q) * Gs;
  double* ysum = ynorm + Gs;
  bool ok = true;
  for (Index i = r0; i < r1; ++i) {
    const Index xn = xr.start[i + 1] - xr.start[i], zn = zr.start[i + 1] - zr.start[i];
    if (xn + zn <= kFusedColumns) {
      CellColumns c;
      for (Index a = xr.start[i]; a < xr.start[i + 1]; ++a, ++c.n) {
        c.strip[c.n] = sums + static_cast<std::size_t>(xr.col[static_cast<std::size_t>(a)]) * Gs;
        c.a[c.n] = xr.val[static_cast<std::size_t>(a)];
      }
      for (Index a = zr.start[i]; a < zr.start[i + 1]; ++a, ++c.n) {
        c.strip[c.n] = sums + static_cast<std::size_t>(p + zr.col[static_cast<std::size_t>(a)]) * Gs;
        c.a[c.n] = zr.val[static_cast<std::size_t>(a)];
      }
      const auto e0 = indptr[i], e1 = indptr[i + 1];
      // The common counts of columns unrolled; any other up to kFusedColumns in a loop.
      switch (c.n) {
        case 2: add_fused<2>(indices, raw, e0, e1, g0, g1, all, t, table, c, ynorm, ysum, nonzeros, ok); break;
        case 3: add_fused<3>(indices, raw, e0, e1, g0, g1, all, t, table, c, ynorm, ysum, nonzeros, ok); break;
        case 4: add_fused<4>(indices, raw, e0, e1, g0, g1, all, t, table, c, ynorm, ysum, nonzeros, ok); break;
        case 5: add_fused<5>(indices, raw, e0, e1, g0, g1, all, t, table, c, ynorm, ysum, nonzeros, ok); break;
        default: add_fused<-1>(indices, raw, e0, e1, g0, g1, all, t, table, c, ynorm, ysum, nonzeros, ok); break;
      }
      if (!ok) return false;
      continue;
    }
    // Many design columns (dense covariates): the cell's values once, then a pass per column.
    std::size_t n = 0;
    for (auto e = indptr[i]; e < indptr[i + 1]; ++e) {
      const std::int32_t g = indices[e];
      if (!all && (g < g0 || g >= g1)) continue;
      const double w = transformed(raw[e], t, table, ok);
      add_to_gene(static_cast<std::size_t>(g), w, ynorm, ysum, nonzeros);
      genes[n] = g;
      values[n] = w;
      ++n;
    }
    if (!ok) return false;
    auto add_column = [&](std::size_t row, double a) {
      double* strip = sums + row * Gs;
      for (std::size_t k = 0; k < n; ++k) strip[genes[k]] += a * values[k];
    };
    for (Index a = xr.start[i]; a < xr.start[i + 1]; ++a)
      add_column(static_cast<std::size_t>(xr.col[static_cast<std::size_t>(a)]), xr.val[static_cast<std::size_t>(a)]);
    for (Index a = zr.start[i]; a < zr.start[i + 1]; ++a)
      add_column(static_cast<std::size_t>(p + zr.col[static_cast<std::size_t>(a)]), zr.val[static_cast<std::size_t>(a)]);
  }
  return ok;
}

// Throws for the chunk's first bad value in stored order (one exists: a call of add_rows failed).
template <class T>
[[noreturn]] void report_first_bad_value(const SummaryStats& s, const CsrView<T>& y, std::span<const Index> number,
                                         Transform t) {
  for (Index i = 0; i < y.rows; ++i)
    for (auto e = y.indptr[static_cast<std::size_t>(i)]; e < y.indptr[static_cast<std::size_t>(i) + 1]; ++e) {
      const T raw = y.values[static_cast<std::size_t>(e)];
      if (!valid_raw(raw, t))
        bad_value(static_cast<double>(raw), y.indices[static_cast<std::size_t>(e)], s, number[static_cast<std::size_t>(i)], t);
    }
  throw std::logic_error("the cell-major accumulation refused a value that valid_raw takes");
}

}  // namespace

bool cell_major_pays(const SummaryStats& s, std::size_t entries) {
  return entries >= 2 * static_cast<std::size_t>(s.p() + s.q() + 2) * static_cast<std::size_t>(s.genes());
}

template <class T>
void add_cell_major(SummaryStats& s, BlockSums& b, CellMajorScratch& scratch, const CsrView<T>& y,
                    const SparseRows& xr, const SparseRows& zr, std::span<const Index> number,
                    std::span<const Index> row_block, Transform t, int threads) {
  const std::vector<Run> runs = block_runs(row_block);
  if (runs.empty()) return;
  const Index p = s.p(), q = s.q(), G = s.genes();
  const auto Gs = static_cast<std::size_t>(G), stats = static_cast<std::size_t>(p + q + 2);
  const std::size_t nruns = runs.size();
  // Statistic-major (strips of G): faster here than gene-major records of p + q + 2.
  const PartialsLayout L{Gs, 1};
  const int nt = resolve_threads(threads);
  // Work items: (run, slice of genes). Slices only where there are fewer runs than threads.
  const auto slices = static_cast<Index>(
      std::min<std::int64_t>(std::max<std::int64_t>(1, (nt + static_cast<std::int64_t>(nruns) - 1) / static_cast<std::int64_t>(nruns)),
                             std::max<Index>(1, G)));
  const auto items = static_cast<std::int64_t>(nruns) * slices;
  const int slots = static_cast<int>(std::min<std::int64_t>(nt, items));

  if (scratch.sums.size() < nruns) {
    scratch.sums.resize(nruns);
    scratch.nonzeros.resize(nruns);
  }
  for (std::size_t r = 0; r < nruns; ++r) {
    if (scratch.sums[r].size() != stats * Gs) scratch.sums[r].assign(stats * Gs, 0.0);
    if (scratch.nonzeros[r].size() != Gs) scratch.nonzeros[r].assign(Gs, 0);
  }
  if (scratch.genes.size() < static_cast<std::size_t>(slots)) {
    scratch.genes.resize(static_cast<std::size_t>(slots));
    scratch.values.resize(static_cast<std::size_t>(slots));
  }
  for (int k = 0; k < slots; ++k) {
    scratch.genes[static_cast<std::size_t>(k)].resize(Gs);
    scratch.values[static_cast<std::size_t>(k)].resize(Gs);
  }
  // Rows hold each gene once after the readers' checks, but a CSR view may repeat one.
  std::size_t longest = 0;
  for (Index i = 0; i < y.rows; ++i)
    longest = std::max(longest, static_cast<std::size_t>(y.indptr[static_cast<std::size_t>(i) + 1] -
                                                         y.indptr[static_cast<std::size_t>(i)]));
  if (longest > Gs)
    for (int k = 0; k < slots; ++k) {
      scratch.genes[static_cast<std::size_t>(k)].resize(longest);
      scratch.values[static_cast<std::size_t>(k)].resize(longest);
    }

  // The first run continues the open block of the genes that have one there (a copy: b is left
  // as it was until every value has been checked).
  const Index first_block = runs.front().block;
  double* first = scratch.sums.front().data();
  for (Index g = 0; g < G; ++g) {
    const auto gi = static_cast<std::size_t>(g);
    if (b.gene_block[gi] != first_block) continue;
    for (Index j = 0; j < p; ++j) first[L.at(j, gi)] = b.XY(j, g);
    for (Index j = 0; j < q; ++j) first[L.at(p + j, gi)] = b.ZY(j, g);
    first[L.at(p + q, gi)] = b.Ynorm(g);
    first[L.at(p + q + 1, gi)] = b.Ysum(g);
  }

  std::vector<char> failed(static_cast<std::size_t>(items), 0);
  parallel_for_slots(items, slots, [&](std::int64_t item, int slot) {
    const Run& run = runs[static_cast<std::size_t>(item / slices)];
    const Index slice = item % slices;
    const auto g0 = static_cast<std::int32_t>(G * slice / slices), g1 = static_cast<std::int32_t>(G * (slice + 1) / slices);
    const auto r = static_cast<std::size_t>(item / slices);
    const auto ss = static_cast<std::size_t>(slot);
    if (!add_rows(y, run.begin, run.end, g0, g1, slices == 1, xr, zr, p, q, G, t, scratch.sums[r].data(),
                  scratch.nonzeros[r].data(), scratch.genes[ss].data(), scratch.values[ss].data()))
      failed[static_cast<std::size_t>(item)] = 1;
  });
  if (std::find(failed.begin(), failed.end(), 1) != failed.end()) {
    for (std::size_t r = 0; r < nruns; ++r) {
      std::fill(scratch.sums[r].begin(), scratch.sums[r].end(), 0.0);
      std::fill(scratch.nonzeros[r].begin(), scratch.nonzeros[r].end(), 0);
    }
    report_first_bad_value(s, y, number, t);
  }

  // Every value was good: now the statistics change. Genes open in an earlier block close it;
  // those continued into the first run leave b (their sums are in the run's).
  // (Genes split over the threads: each gene's exact totals are its own elements.)
  parallel_for_blocks(G, threads, 256, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      if (b.gene_block[gi] < 0) continue;
      if (b.gene_block[gi] != first_block) {
        flush_gene(s, b, g);
        continue;
      }
      b.XY.col(g).setZero();
      b.ZY.col(g).setZero();
      b.Ynorm(g) = 0.0;
      b.Ysum(g) = 0.0;
      b.gene_block[gi] = -1;
    }
  });
  for (std::size_t r = 0; r < nruns; ++r) {
    double* sums = scratch.sums[r].data();
    std::int64_t* nonzeros = scratch.nonzeros[r].data();
    for (Index g = 0; g < G; ++g) s.nnz(g) += nonzeros[static_cast<std::size_t>(g)];
    std::fill(scratch.nonzeros[r].begin(), scratch.nonzeros[r].end(), 0);
    if (r + 1 < nruns) {
      // A finished block: its sums to the exact totals (genes split over the threads).
      parallel_for_blocks(G, threads, 256, [&](Index g0, Index g1) { add_block_partials(s, sums, L, g0, g1); });
    } else {
      // The last block stays open: b holds it for the next chunk.
      for (Index g = 0; g < G; ++g) {
        const auto gi = static_cast<std::size_t>(g);
        for (Index j = 0; j < p; ++j) b.XY(j, g) = sums[L.at(j, gi)];
        for (Index j = 0; j < q; ++j) b.ZY(j, g) = sums[L.at(p + j, gi)];
        b.Ynorm(g) = sums[L.at(p + q, gi)];
        b.Ysum(g) = sums[L.at(p + q + 1, gi)];
        b.gene_block[gi] = runs[r].block;
      }
    }
    std::fill(scratch.sums[r].begin(), scratch.sums[r].end(), 0.0);
  }
}

#define FLASHMM_INSTANTIATE(T)                                                                                   \
  template void add_cell_major<T>(SummaryStats&, BlockSums&, CellMajorScratch&, const CsrView<T>&,            \
                                  const SparseRows&, const SparseRows&, std::span<const Index>,                \
                                  std::span<const Index>, Transform, int);
FLASHMM_INSTANTIATE(float)
FLASHMM_INSTANTIATE(double)
FLASHMM_INSTANTIATE(std::int32_t)
FLASHMM_INSTANTIATE(std::int64_t)
#undef FLASHMM_INSTANTIATE

}  // namespace flashmm::detail
