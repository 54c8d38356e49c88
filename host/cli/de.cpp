// flashmm de: fit the LMM to every gene of a count matrix and test its coefficients and contrasts.
// The matrix is streamed in blocks of cells into summary statistics, so memory is bounded by the
// block and the number of genes, not the number of cells.
#include <flashmm/contrast.hpp>
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/io/fit_file.hpp>
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/model_stats.hpp>

#include "cli/cell_metadata.hpp"
#include "cli/commands.hpp"
#include "cli/fit_tables.hpp"
#include "cli/output_dir.hpp"

#include <cstdio>
#include <memory>

namespace flashmm::cli {

namespace {

struct DeOptions {
  std::string input;
  std::string fixed;
  std::vector<std::string> random;
  std::vector<std::string> contrasts;
  std::string method = "reml";
  std::string transform = "log2p1";
  int max_iter = 50;
  double epsilon = 1e-5;
  std::vector<double> theta0;
  int threads = 0;
  Index chunk_cells = 20000;
  std::string metadata;
  std::vector<std::string> categorical;
  std::string layer;
  bool use_raw = false;
  std::string gene_column;
  std::string genes_file;
  std::string cells_file;
  bool quiet = false;
  std::string out;
};

void run_de(const DeOptions& o) {
  auto say = [&](const std::string& s) {
    if (!o.quiet) std::fprintf(stderr, "%s\n", s.c_str());
  };
  // Fail on an unusable output directory before reading or fitting anything.
  OutputDir out(o.out);

  io::ReaderOptions ro;
  ro.layer = o.layer;
  ro.use_raw = o.use_raw;
  ro.gene_column = o.gene_column;
  ro.genes_file = o.genes_file;
  ro.cells_file = o.cells_file;
  auto reader = io::open_matrix(o.input, ro);
  say("read " + std::to_string(reader->n_cells()) + " cells x " + std::to_string(reader->n_genes()) + " genes from '" +
      o.input + "'");

  Metadata meta = load_cell_metadata({o.input, o.metadata, o.categorical}, *reader);
  std::vector<std::string> formulas = o.random;
  formulas.push_back(o.fixed);
  add_cell_totals(meta, *reader, formulas, o.chunk_cells);

  const DesignBuilder design(meta, o.fixed, o.random);
  for (const auto& w : design.warnings()) say("warning: " + w);
  // Parse contrasts now: a typo should not cost a whole pass over the data.
  std::vector<Contrast> tests = coefficient_contrasts(design.fixed_names());
  {
    auto extra = parse_contrasts(o.contrasts, design.fixed_names());
    for (const auto& c : extra)
      for (const auto& t : tests)
        if (t.name == c.name)
          throw InputError("--contrast name '" + c.name + "' is also a coefficient's name; name it NAME=EXPR");
    tests.insert(tests.end(), extra.begin(), extra.end());
  }

  ModelStatsAccumulator acc(design, reader->gene_names(), o.transform == "none" ? Transform::none : Transform::log2p1,
                            o.threads);
  io::CellChunk chunk;
  const Index n_genes = reader->n_genes();
  while (reader->next_chunk(chunk, o.chunk_cells)) acc.add(chunk.first_cell, chunk.view(n_genes));
  const SummaryStats stats = acc.finish();

  LmmOptions lo;
  lo.method = o.method == "ml" ? Method::ml : Method::reml;
  lo.max_iter = o.max_iter;
  lo.epsilon = o.epsilon;
  lo.theta0 = o.theta0;
  lo.threads = o.threads;
  const LmmFit fit = fit_lmm(stats, lo);
  for (const auto& w : fit.warnings) say("warning: " + w);
  const DeTable table = de_table(fit, tests);

  write_fit_tables(out, fit, table);
  std::string random;
  for (const auto& r : o.random) random += (random.empty() ? "" : "; ") + r;
  io::write_fit(out.temp_path("fit.h5"), fit,
               {{"input", o.input}, {"fixed", o.fixed}, {"random", random}, {"method", o.method},
                {"transform", o.transform}, {"max_iter", std::to_string(o.max_iter)},
                {"epsilon", [&] { char b[32]; std::snprintf(b, sizeof b, "%.17g", o.epsilon); return std::string(b); }()}});
  out.commit();
  Index converged = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
  say(std::to_string(converged) + " of " + std::to_string(fit.n_genes()) + " genes converged; results in '" + o.out +
      "'");
}

}  // namespace

void add_de(CLI::App& app) {
  auto o = std::make_shared<DeOptions>();
  CLI::App* sub = app.add_subcommand("de", "Differential expression: fit the LMM to every gene and test");
  sub->add_option("input", o->input, "Count matrix: .h5ad, 10x directory or .h5, .mtx[.gz], dense .csv/.tsv")
      ->required();
  sub->add_option("--fixed", o->fixed, "Fixed-effects formula, e.g. '~ 0 + log(libsize) + cls + cls:trt'")->required();
  sub->add_option("--random", o->random, "Random-effects formula, one per component, e.g. '~ 0 + sam'")
      ->required()
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--contrast", o->contrasts, "[NAME=]EXPR over coefficient names, e.g. 'AvB=cls1:trtB - cls2:trtB'")
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--method", o->method, "reml or ml")->capture_default_str()->check(CLI::IsMember({"reml", "ml"}));
  sub->add_option("--transform", o->transform, "Expression transform: log2p1 = log2(1 + x), or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"log2p1", "none"}));
  sub->add_option("--max-iter", o->max_iter, "Maximum Fisher-scoring iterations")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--epsilon", o->epsilon, "Convergence: max |dlogL| < epsilon")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--theta0", o->theta0, "Starting variance components s_1..s_k,s0")->delimiter(',')->allow_extra_args(false)->take_all();
  sub->add_option("--threads", o->threads, "Threads (0: all cores)")->capture_default_str()->check(
      CLI::NonNegativeNumber);
  sub->add_option("--chunk-cells", o->chunk_cells, "Cells read per block")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--metadata", o->metadata, "Cell metadata .csv/.tsv, first column the cell ids");
  sub->add_option("--categorical", o->categorical, "Metadata columns to treat as categorical")->delimiter(',')->allow_extra_args(false)->take_all();
  sub->add_option("--layer", o->layer, "h5ad: read layers/NAME instead of X");
  sub->add_flag("--use-raw", o->use_raw, "h5ad: read raw/X");
  sub->add_option("--gene-column", o->gene_column, "h5ad: var column with gene names; 10x: 'id' for feature ids");
  sub->add_option("--genes", o->genes_file, ".mtx: file of gene names, one a line");
  sub->add_option("--cells", o->cells_file, ".mtx: file of cell ids, one a line");
  sub->add_flag("--quiet", o->quiet, "No progress messages or warnings on stderr");
  sub->add_option("--out", o->out, "Output directory")->required();
  set_action(sub, [o] { run_de(*o); });
}

}  // namespace flashmm::cli
