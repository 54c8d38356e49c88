// Tests of the simulator: exact samplers against theory, determinism across threads and chunks,
// the data's invariants, sparsity calibration and recovery of the DE effects. All seeds are fixed
// and the bounds are several standard errors wide, so nothing here is flaky.
#include <flashmm/error.hpp>
#include <flashmm/simulate.hpp>

#include "simulate/simulate_random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace flashmm {
namespace {

using detail::Xoshiro256;

struct Moments {
  double mean = 0.0;
  double var = 0.0;
};

template <class Draw>
Moments moments(int n, Draw&& draw) {
  // Welford: stable for large means.
  double mean = 0.0;
  double m2 = 0.0;
  for (int i = 1; i <= n; ++i) {
    const double x = draw();
    const double delta = x - mean;
    mean += delta / i;
    m2 += delta * (x - mean);
  }
  return {mean, m2 / (n - 1)};
}

TEST(SimulateRandom, PoissonMatchesMeanAndVariance) {
  Xoshiro256 rng(11, 0, 0);
  constexpr int n = 200000;
  for (const double lambda : {0.05, 0.7, 3.0, 9.9, 10.0, 37.5, 1000.0}) {
    const auto m = moments(n, [&] { return static_cast<double>(detail::sample_poisson(rng, lambda)); });
    const double se = std::sqrt(lambda / n);
    EXPECT_NEAR(m.mean, lambda, 5.0 * se) << "lambda " << lambda;
    EXPECT_NEAR(m.var / lambda, 1.0, 0.03) << "lambda " << lambda;
  }
  EXPECT_EQ(detail::sample_poisson(rng, 0.0), 0);
}

TEST(SimulateRandom, PoissonPtrsProbabilitiesMatchPmf) {
  // PTRS is a rejection sampler: check the whole pmf near the mode, not only moments.
  Xoshiro256 rng(12, 0, 0);
  constexpr int n = 400000;
  const double lambda = 15.0;
  std::vector<int> hist(100, 0);
  for (int i = 0; i < n; ++i) ++hist[static_cast<std::size_t>(std::min<std::int64_t>(99, detail::sample_poisson(rng, lambda)))];
  for (int k = 5; k <= 25; ++k) {
    const double p = std::exp(-lambda + k * std::log(lambda) - detail::log_factorial(k));
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(hist[static_cast<std::size_t>(k)] / static_cast<double>(n), p, 5.0 * se) << "k " << k;
  }
}

TEST(SimulateRandom, LogFactorialMatchesLgamma) {
  for (const std::int64_t k : {0, 1, 2, 10, 63, 64, 65, 100, 1000, 100000})
    EXPECT_NEAR(detail::log_factorial(k), std::lgamma(static_cast<double>(k) + 1.0),
                1e-12 * std::max(1.0, std::lgamma(static_cast<double>(k) + 1.0)));
}

TEST(SimulateRandom, GammaMatchesMeanAndVariance) {
  Xoshiro256 rng(13, 0, 0);
  constexpr int n = 200000;
  for (const double shape : {0.3, 1.0, 2.0, 7.5, 100.0}) {
    const auto m = moments(n, [&] { return detail::sample_gamma(rng, shape); });
    EXPECT_NEAR(m.mean, shape, 5.0 * std::sqrt(shape / n)) << "shape " << shape;
    EXPECT_NEAR(m.var / shape, 1.0, 0.05) << "shape " << shape;
  }
}

TEST(SimulateRandom, NormalAndUniform) {
  Xoshiro256 rng(14, 0, 0);
  constexpr int n = 200000;
  const auto z = moments(n, [&] { return detail::sample_normal(rng); });
  EXPECT_NEAR(z.mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(z.var, 1.0, 0.02);
  const auto u = moments(n, [&] { return rng.uniform_open(); });
  EXPECT_NEAR(u.mean, 0.5, 0.005);
  EXPECT_NEAR(u.var, 1.0 / 12.0, 0.002);
}

TEST(SimulateRandom, LogarithmicMatchesMean) {
  Xoshiro256 rng(15, 0, 0);
  constexpr int n = 200000;
  for (const double p : {0.01, 0.3, 0.9}) {
    const double l1p = std::log1p(-p);
    const auto m = moments(n, [&] { return static_cast<double>(detail::sample_logarithmic(rng, p, l1p)); });
    const double mean = -p / ((1.0 - p) * l1p);
    const double var = -p * (p + l1p) / ((1 - p) * (1 - p) * l1p * l1p);
    EXPECT_NEAR(m.mean, mean, 5.0 * std::sqrt(var / n)) << "p " << p;
  }
}

TEST(SimulateRandom, NegativeBinomialSamplersMatchTheory) {
  Xoshiro256 rng(16, 0, 0);
  constexpr int n = 300000;
  struct Case {
    double size, mean;
  };
  for (const Case c : {Case{1, 0.05}, Case{2, 1.0}, Case{3, 5.0}, Case{1, 40.0}, Case{0.5, 2.0}}) {
    const double var = c.mean + c.mean * c.mean / c.size;
    int zeros = 0;
    const auto compound = moments(n, [&] {
      const auto x = detail::sample_negative_binomial(rng, c.size, c.mean);
      zeros += x == 0;
      return static_cast<double>(x);
    });
    const auto mixture = moments(n, [&] {
      return static_cast<double>(detail::sample_negative_binomial_gamma_poisson(rng, c.size, c.mean));
    });
    const double p0 = std::pow(c.size / (c.size + c.mean), c.size);
    for (const auto& m : {compound, mixture}) {
      EXPECT_NEAR(m.mean, c.mean, 5.0 * std::sqrt(var / n)) << c.size << " " << c.mean;
      EXPECT_NEAR(m.var / var, 1.0, 0.06) << c.size << " " << c.mean;
    }
    EXPECT_NEAR(zeros / static_cast<double>(n), p0, 5.0 * std::sqrt(p0 * (1 - p0) / n));
  }
}

SimulationOptions small_options() {
  SimulationOptions o;
  o.genes = 120;
  o.cells = 6000;
  o.samples = 7;
  o.clusters = 4;
  o.de_genes = 6;
  o.seed = 42;
  o.threads = 1;
  return o;
}

void expect_same_data(const Simulation& a, const Simulation& b) {
  EXPECT_EQ(a.indptr, b.indptr);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.counts, b.counts);
  ASSERT_EQ(a.obs.columns.size(), b.obs.columns.size());
  for (std::size_t i = 0; i < a.obs.columns.size(); ++i) {
    EXPECT_EQ(a.obs.columns[i].codes, b.obs.columns[i].codes);
    EXPECT_EQ(a.obs.columns[i].numbers, b.obs.columns[i].numbers);
  }
  ASSERT_EQ(a.truth.size(), b.truth.size());
  for (std::size_t i = 0; i < a.truth.size(); ++i) {
    EXPECT_EQ(a.truth[i].gene, b.truth[i].gene);
    EXPECT_EQ(a.truth[i].beta, b.truth[i].beta);
  }
}

TEST(Simulate, SameSeedSameDataAnyThreadsAndChunks) {
  auto o = small_options();
  const Simulation one = simulate(o);
  o.threads = 3;
  const Simulation three = simulate(o);
  expect_same_data(one, three);
  expect_same_data(one, simulate(o));

  // Chunked, with a chunk size that cuts through the internal blocks, and another thread count.
  o.threads = 2;
  for (const Index chunk_cells : {Index{777}, Index{6000}, Index{100000}}) {
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> indices, counts, sample;
    std::vector<double> libsize;
    Index expected_first = 0;
    simulate_chunks(o, chunk_cells, [&](const SimulationChunk& c) {
      EXPECT_EQ(c.first_cell, expected_first);
      expected_first += c.n_cells;
      EXPECT_EQ(static_cast<Index>(c.indptr.size()), c.n_cells + 1);
      for (Index i = 1; i <= c.n_cells; ++i) indptr.push_back(indptr.back() + c.indptr[i] - c.indptr[i - 1]);
      indices.insert(indices.end(), c.indices.begin(), c.indices.end());
      counts.insert(counts.end(), c.counts.begin(), c.counts.end());
      sample.insert(sample.end(), c.sample.begin(), c.sample.end());
      libsize.insert(libsize.end(), c.libsize.begin(), c.libsize.end());
    });
    EXPECT_EQ(expected_first, o.cells);
    EXPECT_EQ(indptr, one.indptr) << chunk_cells;
    EXPECT_EQ(indices, one.indices) << chunk_cells;
    EXPECT_EQ(counts, one.counts) << chunk_cells;
    EXPECT_EQ(sample, one.obs.find("sam")->codes) << chunk_cells;
    EXPECT_EQ(libsize, one.obs.find("libsize")->numbers) << chunk_cells;
  }

  o.seed = 43;
  const Simulation other = simulate(o);
  EXPECT_NE(other.counts, one.counts);
  EXPECT_NE(other.obs.find("sam")->codes, one.obs.find("sam")->codes);
}

TEST(Simulate, InvariantsAndLayout) {
  SimulationOptions o;  // default-like sizes: 25 samples, 10 clusters, 2 treatments
  o.genes = 60;
  o.cells = 20000;
  o.threads = 2;
  const Simulation s = simulate(o);
  ASSERT_EQ(s.n_cells, o.cells);
  ASSERT_EQ(s.n_genes, o.genes);
  ASSERT_EQ(static_cast<Index>(s.indptr.size()), o.cells + 1);
  ASSERT_EQ(s.indices.size(), s.counts.size());
  ASSERT_EQ(static_cast<std::size_t>(s.indptr.back()), s.indices.size());
  EXPECT_EQ(s.gene_names.front(), "Gene1");
  EXPECT_EQ(s.gene_names.back(), "Gene60");
  EXPECT_EQ(s.cell_ids.front(), "Cell1");
  EXPECT_EQ(s.cell_ids.back(), "Cell20000");
  EXPECT_EQ(s.obs.cell_ids, s.cell_ids);

  const auto* sam = s.obs.find("sam");
  const auto* cls = s.obs.find("cls");
  const auto* trt = s.obs.find("trt");
  const auto* lib = s.obs.find("libsize");
  ASSERT_TRUE(sam && cls && trt && lib);
  EXPECT_EQ(sam->kind, MetadataColumn::Kind::categorical);
  EXPECT_EQ(lib->kind, MetadataColumn::Kind::numeric);
  ASSERT_EQ(sam->levels.size(), 25u);
  EXPECT_EQ(sam->levels[0], "A1");
  EXPECT_EQ(sam->levels[9], "A10");  // natural order, not "A1","A10","A11",...
  EXPECT_EQ(sam->levels[12], "A13");
  EXPECT_EQ(sam->levels[13], "B1");
  EXPECT_EQ(sam->levels[24], "B12");
  EXPECT_EQ(cls->levels, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  EXPECT_EQ(trt->levels, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(s.treated, "B");

  std::vector<int> sample_trt(25, -1);
  std::set<int> samples_seen, clusters_seen;
  for (Index c = 0; c < s.n_cells; ++c) {
    const auto i = static_cast<std::size_t>(c);
    std::int64_t total = 0;
    for (auto k = s.indptr[i]; k < s.indptr[i + 1]; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      ASSERT_GT(s.counts[kk], 0);
      ASSERT_GE(s.indices[kk], 0);
      ASSERT_LT(s.indices[kk], o.genes);
      if (k > s.indptr[i]) ASSERT_LT(s.indices[kk - 1], s.indices[kk]);
      total += s.counts[kk];
    }
    ASSERT_EQ(lib->numbers[i], static_cast<double>(total)) << "cell " << c;
    const int sc = sam->codes[i];
    // Each sample belongs to one treatment, the one its name starts with.
    if (sample_trt[static_cast<std::size_t>(sc)] < 0) sample_trt[static_cast<std::size_t>(sc)] = trt->codes[i];
    ASSERT_EQ(sample_trt[static_cast<std::size_t>(sc)], trt->codes[i]);
    ASSERT_EQ(sam->levels[static_cast<std::size_t>(sc)][0], trt->levels[static_cast<std::size_t>(trt->codes[i])][0]);
    samples_seen.insert(sc);
    clusters_seen.insert(cls->codes[i]);
  }
  EXPECT_EQ(samples_seen.size(), 25u);
  EXPECT_EQ(clusters_seen.size(), 10u);

  ASSERT_EQ(s.truth.size(), 10u);
  std::set<std::string> de_names;
  for (const auto& de : s.truth) {
    EXPECT_GE(std::fabs(de.beta), o.min_beta);
    EXPECT_LE(std::fabs(de.beta), o.max_beta);
    EXPECT_EQ(de.treatment, "B");
    EXPECT_EQ(s.gene_names[static_cast<std::size_t>(de.gene_index)], de.gene);
    EXPECT_NE(std::find(cls->levels.begin(), cls->levels.end(), de.cluster), cls->levels.end());
    de_names.insert(de.gene);
  }
  EXPECT_EQ(de_names.size(), 10u);
  const auto view = s.view();
  EXPECT_EQ(view.rows, o.cells);
  EXPECT_EQ(view.cols, o.genes);
  EXPECT_EQ(view.values.size(), s.counts.size());
}

double nonzero_fraction(const Simulation& s) {
  return static_cast<double>(s.counts.size()) / (static_cast<double>(s.n_cells) * static_cast<double>(s.n_genes));
}

TEST(Simulate, SparsityFollowsTheTarget) {
  SimulationOptions o;
  o.genes = 300;
  o.cells = 20000;
  o.threads = 2;
  const double def = nonzero_fraction(simulate(o));
  EXPECT_GT(def, 0.05);
  EXPECT_LT(def, 0.2);
  o.nonzero_fraction = 0.08;
  EXPECT_NEAR(nonzero_fraction(simulate(o)), 0.08, 0.01);
  o.nonzero_fraction = 0.3;
  EXPECT_NEAR(nonzero_fraction(simulate(o)), 0.3, 0.03);
}

// The event loop (small means) and the per-gene loop (large means) both give NB counts with the
// design's mean and size: check per-gene moments with no random effect or library variation.
TEST(Simulate, CountsAreNegativeBinomialWithTheDesignParameters) {
  for (const double scale : {0.3, 20.0}) {
    SimulationOptions o;
    o.genes = 40;
    o.cells = 40000;
    o.samples = 2;
    o.clusters = 1;
    o.de_genes = 0;
    o.var_random = 0.0;
    o.libsize_sdlog = 0.0;
    o.mean_scale = scale;
    o.threads = 2;
    const SimulationDesign d = make_simulation_design(o);
    const Simulation s = simulate(o);
    std::vector<double> sum(40, 0.0), sum2(40, 0.0);
    for (std::size_t k = 0; k < s.counts.size(); ++k) {
      const double x = s.counts[k];
      sum[static_cast<std::size_t>(s.indices[k])] += x;
      sum2[static_cast<std::size_t>(s.indices[k])] += x * x;
    }
    const double n = static_cast<double>(o.cells);
    for (std::size_t g = 0; g < 40; ++g) {
      const double m = d.gene_mean[g];
      const double var = m + m * m / d.gene_size[g];
      const double mean = sum[g] / n;
      const double sample_var = (sum2[g] - n * mean * mean) / (n - 1);
      EXPECT_NEAR(mean, m, 5.0 * std::sqrt(var / n)) << "scale " << scale << " gene " << g;
      EXPECT_NEAR(sample_var / var, 1.0, 0.1) << "scale " << scale << " gene " << g;
    }
  }
}

TEST(Simulate, DeGenesRecoverTheSignOfBeta) {
  SimulationOptions o;
  o.genes = 80;
  o.cells = 60000;
  o.clusters = 4;
  o.de_genes = 24;
  o.min_beta = 0.7;
  o.max_beta = 1.2;
  o.var_random = 0.05;
  o.nonzero_fraction = 0.3;
  o.seed = 2024;
  o.threads = 2;
  const Simulation s = simulate(o);
  const auto* cls = s.obs.find("cls");
  const auto* trt = s.obs.find("trt");
  const auto* lib = s.obs.find("libsize");
  int agree = 0;
  double mean_signed = 0.0;
  for (const auto& de : s.truth) {
    // Library-normalised mean expression in the target cluster, treated vs control.
    double sum[2] = {0, 0};
    double cells[2] = {0, 0};
    const auto target = std::find(cls->levels.begin(), cls->levels.end(), de.cluster) - cls->levels.begin();
    for (std::size_t c = 0; c < static_cast<std::size_t>(s.n_cells); ++c) {
      if (cls->codes[c] != target || lib->numbers[c] <= 0) continue;
      const int t = trt->codes[c] == 1 ? 1 : 0;
      cells[t] += 1;
      for (auto k = s.indptr[c]; k < s.indptr[c + 1]; ++k)
        if (s.indices[static_cast<std::size_t>(k)] == de.gene_index)
          sum[t] += s.counts[static_cast<std::size_t>(k)] / lib->numbers[c];
    }
    const double lfc = std::log((sum[1] / cells[1]) / (sum[0] / cells[0]));
    agree += (lfc > 0) == (de.beta > 0);
    mean_signed += lfc * (de.beta > 0 ? 1.0 : -1.0) / static_cast<double>(s.truth.size());
  }
  EXPECT_GE(agree, 22) << "of " << s.truth.size();
  EXPECT_GT(mean_signed, 0.4);
}

// The library names the option as SimulationOptions spells it (the CLI turns it into the flag).
void expect_input_error(SimulationOptions o, const std::string& option) {
  try {
    (void)make_simulation_design(o);
    ADD_FAILURE() << "no error for " << option;
  } catch (const OptionError& e) {
    EXPECT_EQ(e.option(), option) << e.what();
    EXPECT_NE(std::string(e.what()).find(option), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

TEST(Simulate, InvalidOptionsNameTheOption) {
  const SimulationOptions ok;
  auto o = ok;
  o.samples = 1;
  expect_input_error(o, "samples");
  o = ok;
  o.genes = 0;
  expect_input_error(o, "genes");
  o = ok;
  o.cells = 0;
  expect_input_error(o, "cells");
  o = ok;
  o.clusters = 0;
  expect_input_error(o, "clusters");
  o = ok;
  o.treatments = 27;
  expect_input_error(o, "treatments");
  o = ok;
  o.de_genes = 101;
  expect_input_error(o, "de_genes");
  o = ok;
  o.treatments = 1;
  expect_input_error(o, "de_genes");
  o = ok;
  o.min_beta = -1;
  expect_input_error(o, "min_beta");
  o = ok;
  o.max_beta = 0.1;
  expect_input_error(o, "max_beta");
  o = ok;
  o.var_random = -0.1;
  expect_input_error(o, "var_random");
  o = ok;
  o.nonzero_fraction = 1.0;
  expect_input_error(o, "nonzero_fraction");
  EXPECT_THROW(simulate_chunks(ok, 0, [](const SimulationChunk&) {}), InputError);
}

TEST(Simulate, OneTreatmentWithoutDeGenes) {
  auto o = small_options();
  o.treatments = 1;
  o.de_genes = 0;
  const Simulation s = simulate(o);
  EXPECT_TRUE(s.truth.empty());
  EXPECT_EQ(s.obs.find("trt")->levels, std::vector<std::string>{"A"});
}

}  // namespace
}  // namespace flashmm
