// flashmm demo: simulate a multi-sample data set, fit the FLASHMM model to every gene, and show
// which genes come out differentially expressed against the simulation's truth.
#include <flashmm/backend.hpp>
#include <flashmm/de_table.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/cell_stream.hpp>
#include <flashmm/simulate.hpp>

#include "cli/commands.hpp"
#include "cli/help.hpp"
#include "cli/messages.hpp"
#include "cli/option_checks.hpp"
#include "cli/run_options.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

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
  std::printf("flashmm demo: a simulated study of %lld genes x %lld cells from %d samples (nested in %d treatments), "
              "%d cell types.\n",
              static_cast<long long>(o.sim.genes), static_cast<long long>(o.sim.cells), o.sim.samples,
              o.sim.treatments, o.sim.clusters);
  std::printf("Truth: %d genes respond to the treatment in one cell type each, by %.2g to %.2g on the natural-log "
              "mean (a fold change of %.2f to %.2f).\n",
              o.sim.de_genes, o.sim.min_beta, o.sim.max_beta, std::exp(o.sim.min_beta), std::exp(o.sim.max_beta));
  std::printf("Model: log2(1 + count) ~ %s, random %s (REML; Satterthwaite df, as lmerTest).\n", fixed.substr(2).c_str(),
              random.c_str());
  std::printf("Tests: the cls:trt terms (the treatment's effect within each cell type).\n\n");

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
  lmm.df = DfMethod::satterthwaite;
  const LmmFit fit = fit_lmm(stats, lmm);
  const double t_fit = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  std::vector<Contrast> interactions;
  for (auto& c : coefficient_contrasts(fit.fixed_names))
    if (c.name.find(':') != std::string::npos) interactions.push_back(std::move(c));
  const DeTable table = de_table(fit, interactions, DfMethod::satterthwaite, Alternative::two_sided, o.run.threads);
  const double t_test = seconds_since(t0);
  show_notes(fit.notes, false);
  show_warnings(fit.warnings, false);

  // A call: a converged gene and cls:trt term with FDR < 0.05.
  constexpr double kFdr = 0.05;
  std::map<std::pair<std::string, std::string>, double> truth;  // (gene, term) -> true log2 fold change
  for (const auto& d : sim.truth) truth[{d.gene, "cls" + d.cluster + ":trt" + d.treatment}] = d.beta / std::log(2.0);
  struct Row {
    std::string gene, term;
    double coef, se, p, fdr;
  };
  auto row = [&](const DeTest& t, Index g) {
    return Row{table.genes[static_cast<std::size_t>(g)], t.name, t.coef(g), t.se(g), t.p(g), t.fdr(g)};
  };
  std::vector<Row> de_rows, false_calls;
  for (const auto& t : table.tests)
    for (Index g = 0; g < t.coef.size(); ++g) {
      const bool call = table.converged[static_cast<std::size_t>(g)] && t.fdr(g) < kFdr;
      const bool is_true = truth.count({table.genes[static_cast<std::size_t>(g)], t.name}) > 0;
      if (is_true) de_rows.push_back(row(t, g));
      else if (call) false_calls.push_back(row(t, g));
    }
  auto by_p = [](const Row& a, const Row& b) { return a.p < b.p; };
  std::sort(de_rows.begin(), de_rows.end(), by_p);
  std::sort(false_calls.begin(), false_calls.end(), by_p);

  std::printf("The true DE genes (true effect and estimate both as log2 fold changes; the estimate is of 1 + count,\n"
              "which shrinks toward 0 where counts are low):\n");
  std::printf("  %-10s %-12s %10s %10s %9s %11s %11s  %s\n", "gene", "term", "true", "estimate", "se", "p", "FDR",
              "result");
  int found = 0;
  for (const auto& r : de_rows) {
    const bool call = r.fdr < kFdr;
    found += call;
    std::printf("  %-10s %-12s %10.3f %10.3f %9.3f %11.3g %11.3g  %s\n", r.gene.c_str(), r.term.c_str(),
                truth[{r.gene, r.term}], r.coef, r.se, r.p, r.fdr, call ? "found" : "missed");
  }
  std::printf("\nFalse calls (FDR < %.2g, no true effect): %zu\n", kFdr, false_calls.size());
  for (const auto& r : false_calls)
    std::printf("  %-10s %-12s %10s %10.3f %9.3f %11.3g %11.3g\n", r.gene.c_str(), r.term.c_str(), "0", r.coef, r.se,
                r.p, r.fdr);

  Index converged = 0;
  for (bool c : table.converged) converged += c;
  std::printf("\nCut-off: FDR < %.2g (Benjamini-Hochberg within each cls:trt term, over the converged genes), so that\n"
              "about %.0f%% of the calls are expected to be false; no fold-change cut-off, so every effect that the\n"
              "data can tell from 0 counts.\n",
              kFdr, 100 * kFdr);
  std::printf("Result: %d of %zu true DE genes found, %zu missed, %zu false calls; %lld of %lld genes converged.\n",
              found, de_rows.size(), de_rows.size() - static_cast<std::size_t>(found), false_calls.size(),
              static_cast<long long>(converged), static_cast<long long>(fit.n_genes()));
  std::printf("Time: simulate %.2f s, summary statistics %.2f s, fit %.2f s, tests %.2f s (%lld cells, %lld genes).\n",
              t_sim, t_stats, t_fit, t_test, static_cast<long long>(sim.n_cells), static_cast<long long>(fit.n_genes()));
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
  sub->footer(demo_help());
  set_action(sub, [opts] { run_demo(*opts); });
}

}  // namespace flashmm::cli
