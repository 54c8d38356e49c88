// flashmm demo: simulate a multi-sample data set, fit the FLASHMM model to every gene, and show
// which genes come out differentially expressed against the simulation's truth.
#include <flashmm/backend.hpp>
#include <flashmm/de_table.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/cell_stream.hpp>
#include <flashmm/simulate.hpp>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/option_checks.hpp"
#include "cli/run_options.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

namespace flashmm::cli {

namespace {

struct DemoOptions {
  // Expressed genes (60% nonzero counts), so that effects on the log mean show on the log2(1 + x)
  // scale; the rest are the defaults: 100 genes x 100,000 cells, 25 samples, 10 cell
  // types, 2 treatments, 10 DE genes.
  SimulationOptions sim = [] {
    SimulationOptions s;
    s.nonzero_fraction = 0.6;
    return s;
  }();
  RunOptions run;  // device auto: the GPU when usable, else the CPU (saying why once)
  Index chunk_cells = 20000;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run_demo(const DemoOptions& o) {
  const std::string fixed = "~ 0 + log(libsize) + cls + cls:trt", random = "~ 0 + sam";
  std::printf("flashmm demo: %lld genes x %lld cells, %d samples, %d cell types, %d treatments, %d DE genes\n",
              static_cast<long long>(o.sim.genes), static_cast<long long>(o.sim.cells), o.sim.samples, o.sim.clusters,
              o.sim.treatments, o.sim.de_genes);
  std::printf("model: fixed %s, random %s, REML\n\n", fixed.c_str(), random.c_str());

  auto t0 = std::chrono::steady_clock::now();
  SimulationOptions so = o.sim;
  so.threads = o.run.threads;
  const Simulation sim = simulate(so);
  const double t_sim = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  const DesignBuilder design(sim.obs, fixed, {random});
  const Device device = parse_device(o.run.device);
  CellStreamAccumulator acc(design, sim.gene_names, Transform::log2p1, o.run.threads, device);
  for (Index c0 = 0; c0 < sim.n_cells; c0 += o.chunk_cells) {
    const Index c1 = std::min(sim.n_cells, c0 + o.chunk_cells);
    std::vector<std::int64_t> indptr;
    const CsrView<std::int32_t> chunk = csr_rows<std::int32_t>(sim.indptr, sim.indices, sim.counts, sim.n_genes, c0, c1, indptr);
    acc.add(c0, chunk);
  }
  const SummaryStats stats = acc.finish();
  const double t_stats = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  LmmOptions lmm;
  lmm.threads = o.run.threads;
  lmm.device = device;
  const LmmFit fit = fit_lmm(stats, lmm);
  const DeTable table = de_table(fit, coefficient_contrasts(fit.fixed_names));
  const double t_fit = seconds_since(t0);
  show_notes(fit.notes, false);
  show_warnings(fit.warnings, false);

  // Calls: a gene and a cell type x treatment term with FDR < 0.05 and |coef| > 0.5.
  struct Call {
    std::string gene, term;
    double coef, p, fdr;
  };
  std::vector<Call> calls;
  for (const auto& t : table.tests) {
    if (t.name.find(':') == std::string::npos) continue;
    for (Index g = 0; g < t.coef.size(); ++g)
      if (table.converged[static_cast<std::size_t>(g)] && t.fdr(g) < 0.05 && std::abs(t.coef(g)) > 0.5)
        calls.push_back({table.genes[static_cast<std::size_t>(g)], t.name, t.coef(g), t.p(g), t.fdr(g)});
  }
  std::sort(calls.begin(), calls.end(), [](const Call& a, const Call& b) { return a.p < b.p; });
  std::set<std::pair<std::string, std::string>> truth;
  for (const auto& d : sim.truth) truth.insert({d.gene, "cls" + d.cluster + ":trt" + d.treatment});

  std::printf("%-10s %-14s %10s %12s %12s %s\n", "gene", "term", "coef", "p", "FDR", "truth");
  int found = 0;
  for (const auto& c : calls) {
    const bool is_true = truth.count({c.gene, c.term}) > 0;
    found += is_true;
    std::printf("%-10s %-14s %10.4f %12.3e %12.3e %s\n", c.gene.c_str(), c.term.c_str(), c.coef, c.p, c.fdr,
                is_true ? "DE" : "-");
  }
  Index converged = 0;
  for (bool c : table.converged) converged += c;
  std::printf("\n%zu calls (FDR < 0.05, |coef| > 0.5); %d of %zu true DE genes found; %zu false calls\n", calls.size(),
              found, truth.size(), calls.size() - static_cast<std::size_t>(found));
  std::printf("%lld of %lld genes converged\n", static_cast<long long>(converged), static_cast<long long>(fit.n_genes()));
  std::printf("time: simulate %.2f s, summary statistics %.2f s, fit and tests %.2f s\n", t_sim, t_stats, t_fit);
}

}  // namespace

void add_demo(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  CLI::App* sub = app.add_subcommand("demo", "Simulate a data set, run the DE analysis, and compare with the truth");
  sub->add_option("--genes", opts->sim.genes, "Genes to simulate")->capture_default_str()->check(whole_number(1));
  sub->add_option("--cells", opts->sim.cells, "Cells to simulate")->capture_default_str()->check(whole_number(1));
  sub->add_option("--nonzero-fraction", opts->sim.nonzero_fraction, "Expected fraction of nonzero counts")
      ->capture_default_str();
  sub->add_option("--seed", opts->sim.seed, "Random seed")->capture_default_str();
  add_run_options(sub, opts->run, false);
  set_action(sub, [opts] { run_demo(*opts); });
}

}  // namespace flashmm::cli
