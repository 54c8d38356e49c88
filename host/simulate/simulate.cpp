// The simulator (see include/flashmm/simulate.hpp for the model).
//
// Speed: the counts are sparse (most NB means are well below 1), so instead of one NB draw per
// gene and cell, each cell draws its nonzeros from a Poisson process. A NB(k, m) count is a
// compound Poisson sum, X = L_1 + ... + L_N with N ~ Poisson(k log(1 + m/k)) and L logarithmic,
// and k log(1 + m/k) <= m. So per cell we draw T ~ Poisson(sum_g m_g) events, give each a gene with
// probability m_g / sum (an alias table per sample: m_g = exp(o_c) * mu_g * exp(b[s,g]) factors),
// keep an event with probability k log(1 + m/k) / m (thinning, which leaves independent
// Poisson(k log(1 + m/k)) counts per gene), and add a logarithmic draw per kept event. This is
// exact, and its cost is proportional to the cell's total count, not to the number of genes.
// The few DE genes, whose mean also depends on the cell's cluster and treatment, are drawn
// directly.
#include <flashmm/error.hpp>
#include <flashmm/simulate.hpp>

#include "util/parallel.hpp"
#include "simulate/simulate_random.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <utility>

namespace flashmm {
namespace {

using detail::Xoshiro256;

// Independent random streams, so that e.g. changing --de-genes leaves the gene parameters alone.
enum Stream : std::uint64_t {
  kStreamGenes = 1,
  kStreamRandomEffects = 2,
  kStreamDeGenes = 3,
  kStreamWeights = 4,
  kStreamCells = 5,
};

constexpr Index kBlockCells = 2048;  // unit of work for a thread; does not affect the data

// message starts with the option's name as SimulationOptions spells it.
void require(bool ok, const std::string& option, const std::string& message) {
  if (!ok) throw OptionError(option, message);
}

void validate(const SimulationOptions& o) {
  const auto finite = [](double x) { return std::isfinite(x); };
  require(o.genes >= 1, "genes", "genes must be >= 1");
  require(o.genes <= std::numeric_limits<std::int32_t>::max(), "genes", "genes must be < 2^31");
  require(o.cells >= 1, "cells", "cells must be >= 1");
  require(o.treatments >= 1 && o.treatments <= 26, "treatments", "treatments must be between 1 and 26");
  require(o.samples >= o.treatments,
          "samples", "samples must be >= treatments (each sample belongs to one treatment)");
  require(o.clusters >= 1, "clusters", "clusters must be >= 1");
  require(o.de_genes >= 0, "de_genes", "de_genes must be >= 0");
  require(o.de_genes <= o.genes, "de_genes", "de_genes must be <= genes");
  require(o.de_genes == 0 || o.treatments >= 2,
          "de_genes", "de_genes must be 0 when treatments is 1 (there is no treated condition)");
  require(finite(o.min_beta) && o.min_beta >= 0.0, "min_beta", "min_beta must be a finite number >= 0");
  require(finite(o.max_beta) && o.max_beta >= o.min_beta, "max_beta", "max_beta must be >= min_beta");
  require(o.max_beta <= 20.0, "max_beta", "max_beta must be <= 20 (it is a log fold change)");
  require(finite(o.var_random) && o.var_random >= 0.0 && o.var_random <= 25.0,
          "var_random", "var_random must be between 0 and 25");
  require(o.threads >= 0, "threads", "threads must be >= 0");
  require(finite(o.mean_scale) && o.mean_scale >= 0.0, "mean_scale", "mean_scale must be >= 0");
  require(o.mean_scale > 0.0 || (o.nonzero_fraction > 0.0 && o.nonzero_fraction < 1.0),
          "nonzero_fraction", "nonzero_fraction must be > 0 and < 1");
  require(finite(o.libsize_sdlog) && o.libsize_sdlog >= 0.0 && o.libsize_sdlog <= 5.0,
          "libsize_sdlog", "libsize_sdlog must be between 0 and 5");
  require(o.sample_imbalance >= 0.0 && o.sample_imbalance < 1.0,
          "sample_imbalance", "sample_imbalance must be >= 0 and < 1");
  require(o.cluster_imbalance >= 0.0 && o.cluster_imbalance < 1.0,
          "cluster_imbalance", "cluster_imbalance must be >= 0 and < 1");
}

// The scale s of the baseline means that gives the target expected fraction of nonzeros:
// mean over genes of E_z[1 - (k / (k + s mu exp(sigma z)))^k], with the sample effect and the
// library factor together N(0, sigma^2), integrated on normal quantile midpoints. Genes share few
// distinct (mu, k) pairs, so they are grouped first.
double calibrate_mean_scale(const std::vector<double>& mu, const std::vector<double>& size,
                            double sigma, double target) {
  std::map<std::pair<double, double>, double> groups;
  for (std::size_t g = 0; g < mu.size(); ++g) groups[{mu[g], size[g]}] += 1.0;
  constexpr int kNodes = 256;
  std::vector<double> factor(kNodes);
  const boost::math::normal standard;
  for (int i = 0; i < kNodes; ++i)
    factor[i] = std::exp(sigma * boost::math::quantile(standard, (i + 0.5) / kNodes));
  const double n = static_cast<double>(mu.size());
  const auto nonzero = [&](double scale) {
    double sum = 0.0;
    for (const auto& [key, count] : groups) {
      const auto [m, k] = key;
      double s = 0.0;
      for (const double f : factor) s += 1.0 - std::pow(k / (k + scale * m * f), k);
      sum += count * s / kNodes;
    }
    return sum / n;
  };
  double lo = -40.0;
  double hi = 40.0;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    (nonzero(std::exp(mid)) < target ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

// Cumulative weights 1 + a (2u - 1), normalised, for assigning cells to samples or clusters.
std::vector<double> draw_weights(Xoshiro256& rng, int n, double imbalance) {
  std::vector<double> w(static_cast<std::size_t>(n));
  for (auto& x : w) x = 1.0 + imbalance * (2.0 * rng.uniform() - 1.0);
  return w;
}

std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size());
  std::partial_sum(w.begin(), w.end(), c.begin());
  for (auto& x : c) x /= c.back();
  c.back() = 1.0;
  return c;
}

std::int32_t pick(const std::vector<double>& cum, double u) {
  const auto it = std::upper_bound(cum.begin(), cum.end(), u);
  return static_cast<std::int32_t>(std::min<std::ptrdiff_t>(it - cum.begin(),
                                                            std::ssize(cum) - 1));
}

// Walker's alias table (Vose's construction) over one sample's gene weights. Each entry also
// carries x = weight / size of both genes it can yield, so an event reads one 16-byte entry:
// the tables of all samples exceed the caches, and this loop is bound by their latency. x in
// float changes the NB size by at most 1e-7 relative; the mean stays exact (the event rate is
// the double weight).
struct AliasEntry {
  std::uint32_t threshold;  // keep the slot's gene when 32 random bits fall below this
  std::int32_t alias;       // otherwise take this gene
  float x_slot;             // mu_g exp(b[s,g]) / k_g of the slot's gene (times the cell factor: m/k)
  float x_alias;            // the same for the alias gene
};

std::vector<AliasEntry> build_alias(const double* w, const double* inv_size, std::size_t n) {
  std::vector<AliasEntry> table(n);
  const double total = std::accumulate(w, w + n, 0.0);
  std::vector<double> scaled(n);
  std::vector<std::int32_t> small;
  std::vector<std::int32_t> large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = w[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }
  const auto set = [&](std::int32_t i, double prob, std::int32_t alias) {
    // prob 1 (up to rounding) is encoded as alias = itself, so the coin does not matter.
    if (prob >= 1.0) alias = i;
    table[i].threshold = static_cast<std::uint32_t>(std::min(prob * 0x1.0p32, 4294967295.0));
    table[i].alias = alias;
    table[i].x_slot = static_cast<float>(w[i] * inv_size[i]);
    table[i].x_alias = static_cast<float>(w[alias] * inv_size[alias]);
  };
  while (!small.empty() && !large.empty()) {
    const std::int32_t s = small.back();
    small.pop_back();
    const std::int32_t l = large.back();
    set(s, scaled[s], l);
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is 1 up to rounding.
  for (const auto i : large) set(i, 1.0, i);
  for (const auto i : small) set(i, 1.0, i);
  return table;
}

// Everything the per-cell loop reads, built once from the design.
struct Engine {
  const SimulationDesign* design = nullptr;
  std::uint64_t seed = 0;
  double libsize_sdlog = 0.0;
  Index genes = 0;
  Index background_genes = 0;             // genes before the DE genes (drawn by the event loop)
  int samples = 0;
  std::vector<double> sample_cum;         // cumulative sample probabilities
  std::vector<double> cluster_cum;
  std::vector<AliasEntry> alias;          // samples x background_genes
  std::vector<double> weight;             // samples x background_genes: mu_g exp(b[s,g])
  std::vector<double> total_weight;       // per sample
  std::vector<std::int32_t> de_cluster;   // cluster code of each DE gene
  double direct_threshold = 0.0;          // expected events above which a cell is drawn per gene
};

Engine make_engine(const SimulationDesign& d, const SimulationOptions& o) {
  Engine e;
  e.design = &d;
  e.seed = o.seed;
  e.libsize_sdlog = o.libsize_sdlog;
  e.genes = d.genes;
  e.background_genes = d.genes - static_cast<Index>(d.truth.size());
  e.samples = o.samples;
  Xoshiro256 rng(o.seed, kStreamWeights, 0);
  e.sample_cum = cumulative(draw_weights(rng, o.samples, o.sample_imbalance));
  e.cluster_cum = cumulative(draw_weights(rng, o.clusters, o.cluster_imbalance));
  const auto nb = static_cast<std::size_t>(e.background_genes);
  std::vector<double> inv_size(nb);
  for (std::size_t g = 0; g < nb; ++g) inv_size[g] = 1.0 / d.gene_size[g];
  e.weight.resize(static_cast<std::size_t>(o.samples) * nb);
  e.total_weight.resize(static_cast<std::size_t>(o.samples));
  e.alias.reserve(e.weight.size());
  for (std::size_t s = 0; s < static_cast<std::size_t>(o.samples); ++s) {
    double* w = e.weight.data() + s * nb;
    for (std::size_t g = 0; g < nb; ++g)
      w[g] = d.gene_mean[g] * std::exp(d.random_effects[s * static_cast<std::size_t>(d.genes) + g]);
    e.total_weight[s] = std::accumulate(w, w + nb, 0.0);
    if (nb > 0) {
      const auto table = build_alias(w, inv_size.data(), nb);
      e.alias.insert(e.alias.end(), table.begin(), table.end());
    }
  }
  for (const auto& de : d.truth)
    e.de_cluster.push_back(static_cast<std::int32_t>(
        std::find(d.cluster_levels.begin(), d.cluster_levels.end(), de.cluster) - d.cluster_levels.begin()));
  // With a mean count per gene above ~8 the event loop does more work than one draw per gene.
  e.direct_threshold = 8.0 * static_cast<double>(nb);
  return e;
}

// Per-thread scratch: dense counts per background gene and a bitmap of the touched ones, so a
// cell's nonzeros come out in gene order without sorting.
struct Scratch {
  std::vector<std::int64_t> count;
  std::vector<std::uint64_t> touched;
  explicit Scratch(Index genes)
      : count(static_cast<std::size_t>(genes), 0),
        touched(static_cast<std::size_t>((genes + 63) / 64), 0) {}
};

// A cell's own draws before its counts: its random stream continues from here.
struct CellHead {
  Xoshiro256 rng;
  std::int32_t sample;
  std::int32_t cluster;
  double offset;
};

CellHead begin_cell(const Engine& e, Index cell) {
  Xoshiro256 rng(e.seed, kStreamCells, static_cast<std::uint64_t>(cell));
  const std::int32_t sample = pick(e.sample_cum, rng.uniform());
  const std::int32_t cluster = pick(e.cluster_cum, rng.uniform());
  const double offset = e.libsize_sdlog * detail::sample_normal(rng);
  return {rng, sample, cluster, offset};
}

struct CellOut {
  std::int32_t sample;
  std::int32_t cluster;
  std::int64_t total;
};

void emit(std::vector<std::int32_t>& indices, std::vector<std::int32_t>& counts, Index gene,
          std::int64_t x) {
  if (x > std::numeric_limits<std::int32_t>::max())
    throw NumericalError("simulated count exceeds 2^31; lower mean_scale or nonzero_fraction");
  indices.push_back(static_cast<std::int32_t>(gene));
  counts.push_back(static_cast<std::int32_t>(x));
}

// Draw one cell's counts: appends its nonzeros (increasing gene index) to indices/counts and
// returns its total.
std::int64_t draw_counts(const Engine& e, CellHead& head, Scratch& scratch,
                         std::vector<std::int32_t>& indices, std::vector<std::int32_t>& counts) {
  const SimulationDesign& d = *e.design;
  Xoshiro256& rng = head.rng;
  std::int64_t total = 0;
  const double factor = std::exp(head.offset);
  const auto s = static_cast<std::size_t>(head.sample);
  const auto nb = static_cast<std::size_t>(e.background_genes);
  const double expected = factor * e.total_weight[s];

  if (expected > e.direct_threshold) {
    const double* w = e.weight.data() + s * nb;
    for (std::size_t g = 0; g < nb; ++g) {
      const std::int64_t x = detail::sample_negative_binomial(rng, d.gene_size[g], factor * w[g]);
      if (x > 0) {
        emit(indices, counts, static_cast<Index>(g), x);
        total += x;
      }
    }
  } else if (nb > 0) {
    const AliasEntry* table = e.alias.data() + s * nb;
    std::int64_t events = detail::sample_poisson(rng, expected);
    for (; events > 0; --events) {
      const auto slot = static_cast<std::size_t>(rng.below(nb));
      const AliasEntry& a = table[slot];
      const std::uint64_t bits = rng();  // low half: alias coin; high half: thinning uniform
      const bool keep_slot = static_cast<std::uint32_t>(bits) < a.threshold;
      const auto g = keep_slot ? slot : static_cast<std::size_t>(a.alias);
      const double x = factor * static_cast<double>(keep_slot ? a.x_slot : a.x_alias);  // m / k
      // Keep with probability log(1 + x) / x; 1 - x/2 <= that <= 1 - x/2 + x^2/3 decides most
      // events without a log.
      const double u = (static_cast<double>(bits >> 32) + 0.5) * 0x1.0p-32;
      const double lower = 1.0 - 0.5 * x;
      double log1px = 0.0;
      if (u >= lower) {
        if (u >= lower + x * x / 3.0) continue;
        log1px = std::log1p(x);
        if (u * x >= log1px) continue;
      }
      // Logarithmic(p = x / (1 + x)); its first step (return 1 when v >= p) needs no log either.
      const double p = x / (1.0 + x);
      std::int64_t l = 1;
      const double v = rng.uniform_open();
      if (v < p) {
        if (log1px == 0.0) log1px = std::log1p(x);
        const double q = -std::expm1(-log1px * rng.uniform_open());
        if (v <= q * q) {
          const double k = std::floor(1.0 + std::log(v) / std::log(q));
          // q rounded to 0 or 1 (tiny or huge x): fall back to a fresh exact draw.
          l = (k >= 1.0 && k < 9.0e18) ? static_cast<std::int64_t>(k)
                                       : detail::sample_logarithmic(rng, p, -log1px);
        } else {
          l = v >= q ? 1 : 2;
        }
      }
      scratch.count[g] += l;
      scratch.touched[g >> 6] |= std::uint64_t{1} << (g & 63);
    }
    for (std::size_t word = 0; word < scratch.touched.size(); ++word) {
      std::uint64_t bits = scratch.touched[word];
      if (bits == 0) continue;
      scratch.touched[word] = 0;
      while (bits != 0) {
        const std::size_t g = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        bits &= bits - 1;
        emit(indices, counts, static_cast<Index>(g), scratch.count[g]);
        total += scratch.count[g];
        scratch.count[g] = 0;
      }
    }
  }

  // DE genes: the last ones, in increasing gene order, so appending keeps the row sorted.
  const bool treated = d.sample_treatment[s] == d.treated;
  for (std::size_t i = 0; i < d.truth.size(); ++i) {
    const auto& de = d.truth[i];
    const auto g = static_cast<std::size_t>(de.gene_index);
    double log_mean = d.random_effects[s * static_cast<std::size_t>(d.genes) + g] + head.offset;
    if (treated && e.de_cluster[i] == head.cluster) log_mean += de.beta;
    const std::int64_t x =
        detail::sample_negative_binomial(rng, d.gene_size[g], d.gene_mean[g] * std::exp(log_mean));
    if (x > 0) {
      emit(indices, counts, de.gene_index, x);
      total += x;
    }
  }
  return total;
}

// Cells [first, first + n) of one block.
struct Block {
  std::vector<std::int32_t> indices;
  std::vector<std::int32_t> counts;
  std::vector<std::int64_t> row_nnz;
  std::vector<CellOut> cells;
};

// Draw cells [first, first + n) into blocks of kBlockCells, in parallel; blocks come back in
// order and each cell draws from its own stream, so the result does not depend on the thread count.
std::vector<Block> simulate_blocks(const Engine& e, Index first, Index n, int threads) {
  std::vector<Block> blocks(static_cast<std::size_t>((n + kBlockCells - 1) / kBlockCells));
  detail::parallel_for_blocks(n, threads, kBlockCells, [&](std::int64_t lo, std::int64_t hi) {
    Block& block = blocks[static_cast<std::size_t>(lo / kBlockCells)];
    const Index begin = first + lo;
    const auto n_block = static_cast<std::size_t>(hi - lo);
    // Scratch of this block (its count vector comes back zeroed from every draw).
    Scratch scratch(e.background_genes);
    std::vector<CellHead> heads;
    heads.reserve(n_block);
    for (std::size_t i = 0; i < n_block; ++i) heads.push_back(begin_cell(e, begin + static_cast<Index>(i)));
    // Draw the cells grouped by sample (a counting sort), so one sample's alias table stays
    // in cache across its cells; rows are put back in cell order below.
    std::vector<std::size_t> bucket(static_cast<std::size_t>(e.samples) + 1, 0);
    for (const auto& h : heads) ++bucket[static_cast<std::size_t>(h.sample) + 1];
    std::partial_sum(bucket.begin(), bucket.end(), bucket.begin());
    std::vector<std::int32_t> order(n_block, 0);
    for (std::size_t i = 0; i < n_block; ++i)
      order[bucket[static_cast<std::size_t>(heads[i].sample)]++] = static_cast<std::int32_t>(i);
    std::vector<std::int64_t> tmp_start(n_block, 0);  // where each cell's row begins in tmp_*
    std::vector<std::int32_t> tmp_indices, tmp_counts;
    block.cells.assign(n_block, CellOut{});
    block.row_nnz.assign(n_block, 0);
    for (const std::int32_t i : order) {
      const auto ii = static_cast<std::size_t>(i);
      tmp_start[ii] = static_cast<std::int64_t>(tmp_indices.size());
      // Real data hold no empty cells (quality control removes them, and log(libsize) needs
      // libsize > 0): an empty cell is drawn again from its own stream, a bounded number of times.
      std::int64_t total = 0;
      for (int attempt = 0; attempt < 100 && total == 0; ++attempt) {
        tmp_indices.resize(static_cast<std::size_t>(tmp_start[ii]));
        tmp_counts.resize(static_cast<std::size_t>(tmp_start[ii]));
        total = draw_counts(e, heads[ii], scratch, tmp_indices, tmp_counts);
      }
      block.cells[ii] = {heads[ii].sample, heads[ii].cluster, total};
      block.row_nnz[ii] = static_cast<std::int64_t>(tmp_indices.size()) - tmp_start[ii];
    }
    block.indices.resize(tmp_indices.size());
    block.counts.resize(tmp_counts.size());
    std::size_t pos = 0;
    for (std::size_t i = 0; i < n_block; ++i) {
      const auto from = static_cast<std::ptrdiff_t>(tmp_start[i]);
      const auto len = static_cast<std::size_t>(block.row_nnz[i]);
      std::copy_n(tmp_indices.begin() + from, len, block.indices.begin() + static_cast<std::ptrdiff_t>(pos));
      std::copy_n(tmp_counts.begin() + from, len, block.counts.begin() + static_cast<std::ptrdiff_t>(pos));
      pos += len;
    }
  });
  return blocks;
}

// Append the blocks' rows to CSR arrays and per-cell columns.
template <class Sink>
void append_blocks(std::vector<Block>& blocks, std::vector<std::int64_t>& indptr,
                   std::vector<std::int32_t>& indices, std::vector<std::int32_t>& counts,
                   Sink&& per_cell) {
  for (auto& block : blocks) {
    for (std::size_t i = 0; i < block.row_nnz.size(); ++i) {
      indptr.push_back(indptr.back() + block.row_nnz[i]);
      per_cell(block.cells[i]);
    }
    indices.insert(indices.end(), block.indices.begin(), block.indices.end());
    counts.insert(counts.end(), block.counts.begin(), block.counts.end());
    block = Block{};  // free as we go: peak memory stays near one copy
  }
}

}  // namespace

std::string simulated_cell_id(Index cell) { return "Cell" + std::to_string(cell + 1); }

Metadata simulated_obs(const SimulationDesign& design, std::vector<std::int32_t> sample,
                       std::vector<std::int32_t> cluster, std::vector<double> libsize) {
  const auto column = [](const char* name, MetadataColumn::Kind kind) {
    MetadataColumn c;
    c.name = name;
    c.kind = kind;
    return c;
  };
  MetadataColumn sam = column("sam", MetadataColumn::Kind::categorical);
  MetadataColumn cls = column("cls", MetadataColumn::Kind::categorical);
  MetadataColumn trt = column("trt", MetadataColumn::Kind::categorical);
  MetadataColumn lib = column("libsize", MetadataColumn::Kind::numeric);
  sam.levels = design.sample_levels;
  cls.levels = design.cluster_levels;
  trt.levels = design.treatment_levels;
  trt.codes.reserve(sample.size());
  for (const std::int32_t s : sample) trt.codes.push_back(design.sample_treatment[static_cast<std::size_t>(s)]);
  sam.codes = std::move(sample);
  cls.codes = std::move(cluster);
  lib.numbers = std::move(libsize);
  Metadata obs;
  obs.cell_ids.reserve(sam.codes.size());
  for (std::size_t c = 0; c < sam.codes.size(); ++c) obs.cell_ids.push_back(simulated_cell_id(static_cast<Index>(c)));
  obs.columns = {std::move(sam), std::move(cls), std::move(trt), std::move(lib)};
  return obs;
}

SimulationDesign make_simulation_design(const SimulationOptions& o) {
  validate(o);
  SimulationDesign d;
  d.genes = o.genes;
  d.cells = o.cells;
  const auto G = static_cast<std::size_t>(o.genes);
  d.gene_names.reserve(G);
  for (std::size_t g = 0; g < G; ++g) d.gene_names.push_back("Gene" + std::to_string(g + 1));

  // Treatments "A", "B", ...; samples split as evenly as possible, the first treatments taking
  // the remainder, named by treatment letter and number within it, as FLASHMM names them.
  for (int t = 0; t < o.treatments; ++t) d.treatment_levels.emplace_back(1, static_cast<char>('A' + t));
  d.treated = o.treatments - 1;
  for (int t = 0; t < o.treatments; ++t) {
    const int n = o.samples / o.treatments + (t < o.samples % o.treatments ? 1 : 0);
    for (int j = 1; j <= n; ++j) {
      d.sample_levels.push_back(d.treatment_levels[static_cast<std::size_t>(t)] + std::to_string(j));
      d.sample_treatment.push_back(t);
    }
  }
  for (int l = 1; l <= o.clusters; ++l) d.cluster_levels.push_back(std::to_string(l));

  // Baseline means and NB sizes as FLASHMM draws them without reference counts.
  Xoshiro256 genes_rng(o.seed, kStreamGenes, 0);
  d.gene_mean.resize(G);
  d.gene_size.resize(G);
  for (std::size_t g = 0; g < G; ++g) {
    d.gene_mean[g] = 1.0 + static_cast<double>(detail::sample_poisson(genes_rng, 1.0));
    d.gene_size[g] = 1.0 + static_cast<double>(detail::sample_poisson(genes_rng, 1.0));
  }
  d.mean_scale = o.mean_scale > 0.0
                     ? o.mean_scale
                     : calibrate_mean_scale(d.gene_mean, d.gene_size,
                                            std::sqrt(o.var_random + o.libsize_sdlog * o.libsize_sdlog),
                                            o.nonzero_fraction);
  for (auto& m : d.gene_mean) m *= d.mean_scale;

  Xoshiro256 re_rng(o.seed, kStreamRandomEffects, 0);
  const double sd = std::sqrt(o.var_random);
  d.random_effects.resize(static_cast<std::size_t>(o.samples) * G);
  for (auto& b : d.random_effects) b = sd > 0.0 ? sd * detail::sample_normal(re_rng) : 0.0;

  // DE genes: the last de_genes genes, each given a cluster uniformly (FLASHMM's equal-proportion
  // multinomial), grouped by cluster, with |beta| ~ U(min_beta, max_beta) and a random sign.
  Xoshiro256 de_rng(o.seed, kStreamDeGenes, 0);
  std::vector<std::int32_t> de_cluster(static_cast<std::size_t>(o.de_genes));
  for (auto& c : de_cluster) c = static_cast<std::int32_t>(de_rng.below(static_cast<std::uint64_t>(o.clusters)));
  std::sort(de_cluster.begin(), de_cluster.end());
  for (std::size_t i = 0; i < de_cluster.size(); ++i) {
    SimulatedDeGene de;
    de.gene_index = o.genes - o.de_genes + static_cast<Index>(i);
    de.gene = d.gene_names[static_cast<std::size_t>(de.gene_index)];
    de.cluster = d.cluster_levels[static_cast<std::size_t>(de_cluster[i])];
    de.treatment = d.treatment_levels[static_cast<std::size_t>(d.treated)];
    const double size = o.min_beta + (o.max_beta - o.min_beta) * de_rng.uniform();
    de.beta = (de_rng() >> 63) != 0 ? size : -size;
    d.truth.push_back(std::move(de));
  }
  return d;
}

namespace {
CsrView<std::int32_t> counts_view(const std::vector<std::int64_t>& indptr, const std::vector<std::int32_t>& indices,
                                  const std::vector<std::int32_t>& counts, Index cells, Index genes) {
  CsrView<std::int32_t> v;
  v.rows = cells;
  v.cols = genes;
  v.indptr = indptr;
  v.indices = indices;
  v.values = counts;
  return v;
}
}  // namespace

CsrView<std::int32_t> SimulationChunk::view() const { return counts_view(indptr, indices, counts, n_cells, n_genes); }

CsrView<std::int32_t> Simulation::view() const { return counts_view(indptr, indices, counts, n_cells, n_genes); }

void simulate_chunks(const SimulationOptions& options, Index cells_per_chunk,
                     const std::function<void(const SimulationChunk&)>& sink) {
  if (cells_per_chunk < 1) throw InputError("--chunk-cells must be >= 1");
  const SimulationDesign design = make_simulation_design(options);
  const Engine engine = make_engine(design, options);
  SimulationChunk chunk;
  for (Index first = 0; first < options.cells; first += cells_per_chunk) {
    const Index n = std::min(cells_per_chunk, options.cells - first);
    auto blocks = simulate_blocks(engine, first, n, options.threads);
    chunk.first_cell = first;
    chunk.n_cells = n;
    chunk.n_genes = options.genes;
    chunk.indptr.assign(1, 0);
    chunk.indices.clear();
    chunk.counts.clear();
    chunk.sample.clear();
    chunk.cluster.clear();
    chunk.treatment.clear();
    chunk.libsize.clear();
    append_blocks(blocks, chunk.indptr, chunk.indices, chunk.counts, [&](const CellOut& c) {
      chunk.sample.push_back(c.sample);
      chunk.cluster.push_back(c.cluster);
      chunk.treatment.push_back(design.sample_treatment[static_cast<std::size_t>(c.sample)]);
      chunk.libsize.push_back(static_cast<double>(c.total));
    });
    sink(chunk);
  }
}

Simulation simulate(const SimulationOptions& options) {
  const SimulationDesign design = make_simulation_design(options);
  const Engine engine = make_engine(design, options);
  Simulation sim;
  sim.n_cells = options.cells;
  sim.n_genes = options.genes;
  sim.gene_names = design.gene_names;
  sim.truth = design.truth;
  sim.treated = design.treatment_levels[static_cast<std::size_t>(design.treated)];
  sim.mean_scale = design.mean_scale;

  const auto n_cells = static_cast<std::size_t>(options.cells);
  std::vector<std::int32_t> sample, cluster;
  std::vector<double> libsize;
  sample.reserve(n_cells);
  cluster.reserve(n_cells);
  libsize.reserve(n_cells);
  sim.indptr.reserve(n_cells + 1);
  sim.indptr.push_back(0);

  // Internal ranges bound the transient block buffers; after the first one the final arrays are
  // reserved from the observed density so they are rarely reallocated.
  constexpr Index kRange = Index{1} << 16;
  for (Index first = 0; first < options.cells; first += kRange) {
    const Index n = std::min(kRange, options.cells - first);
    auto blocks = simulate_blocks(engine, first, n, options.threads);
    std::size_t nnz = 0;
    for (const auto& b : blocks) nnz += b.indices.size();
    const std::size_t need = sim.indices.size() + nnz;
    if (need > sim.indices.capacity()) {
      const double per_cell = static_cast<double>(need) / static_cast<double>(first + n);
      const auto estimate = static_cast<std::size_t>(per_cell * 1.02 * static_cast<double>(n_cells)) + 1024;
      sim.indices.reserve(std::max(need, estimate));
      sim.counts.reserve(std::max(need, estimate));
    }
    append_blocks(blocks, sim.indptr, sim.indices, sim.counts, [&](const CellOut& c) {
      sample.push_back(c.sample);
      cluster.push_back(c.cluster);
      libsize.push_back(static_cast<double>(c.total));
    });
  }
  sim.obs = simulated_obs(design, std::move(sample), std::move(cluster), std::move(libsize));
  sim.cell_ids = sim.obs.cell_ids;
  return sim;
}

}  // namespace flashmm
