// flashmm simulate: write a simulated multi-sample data set (FLASHMM's simuRNAseq model) as .h5ad
// or as a 10x directory with metadata.csv, plus the truth table of the DE genes.
#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>
#include <flashmm/io/tenx.hpp>
#include <flashmm/simulate.hpp>

#include "cli/commands.hpp"
#include "cli/help.hpp"
#include "cli/option_checks.hpp"
#include "cli/output_dir.hpp"
#include "cli/output_file.hpp"
#include "cli/text_file.hpp"
#include "io/path_util.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace flashmm::cli {

namespace {

namespace fs = std::filesystem;

struct SimulateOptions {
  SimulationOptions sim;
  Index chunk_cells = 20000;
  bool quiet = false;
  bool force = false;
  std::string out;
};

// The files of a 10x output folder.
const std::vector<std::string> kTenxFiles = {"matrix.mtx.gz", "features.tsv.gz", "barcodes.tsv.gz", "metadata.csv",
                                             "truth.tsv"};

// FILE.h5ad's truth table: FILE.truth.tsv beside it.
fs::path truth_beside(const std::string& h5ad) {
  fs::path p(h5ad);
  return p.replace_extension(".truth.tsv");
}

// Per-cell obs gathered chunk by chunk: a few numbers a cell, small next to the counts.
struct ObsCodes {
  std::vector<std::int32_t> sam, cls;
  std::vector<double> libsize;
  void add(const SimulationChunk& c) {
    sam.insert(sam.end(), c.sample.begin(), c.sample.end());
    cls.insert(cls.end(), c.cluster.begin(), c.cluster.end());
    libsize.insert(libsize.end(), c.libsize.begin(), c.libsize.end());
  }
  Metadata take_metadata(const SimulationDesign& d) {
    return simulated_obs(d, std::move(sam), std::move(cls), std::move(libsize));
  }
};

void write_truth(const std::string& path, const SimulationDesign& d) {
  TextFile f(path);
  f.text("gene\tcluster\ttreatment\tbeta\n");
  for (const auto& t : d.truth) {
    f.text(t.gene), f.put('\t'), f.text(t.cluster), f.put('\t'), f.text(t.treatment), f.put('\t');
    f.number(t.beta);
    f.put('\n');
  }
  f.close();
}

void write_metadata_csv(const std::string& path, const Metadata& m) {
  TextFile f(path);
  f.text("cell,sam,cls,trt,libsize\n");
  const auto &sam = m.columns[0], &cls = m.columns[1], &trt = m.columns[2], &lib = m.columns[3];
  auto level = [](const MetadataColumn& c, std::size_t i) -> const std::string& {
    return c.levels[static_cast<std::size_t>(c.codes[i])];
  };
  for (std::size_t i = 0; i < m.cell_ids.size(); ++i) {
    // Quoted so that numeric-looking clusters ("1", "10") read back as categories.
    f.text(m.cell_ids[i]), f.text(",\""), f.text(level(sam, i)), f.text("\",\""), f.text(level(cls, i));
    f.text("\",\""), f.text(level(trt, i)), f.text("\",");
    f.number(lib.numbers[i]);
    f.put('\n');
  }
  f.close();
}

void run_simulate(const SimulateOptions& o) {
  const SimulationDesign design = make_simulation_design(o.sim);  // validates the options first
  ObsCodes obs;
  std::string truth_path;
  if (detail::ends_with_nocase(o.out, ".h5ad")) {
    truth_path = truth_beside(o.out).string();
    OutputFiles out({o.out, truth_path}, o.force, "--out");
    out.write(0, [&](const std::string& path) {
      io::H5adWriter writer(path, design.gene_names);
      std::vector<double> values;
      simulate_chunks(o.sim, o.chunk_cells, [&](const SimulationChunk& c) {
        values.assign(c.counts.begin(), c.counts.end());
        CsrView<double> v;
        v.rows = c.n_cells;
        v.cols = c.n_genes;
        v.indptr = c.indptr;
        v.indices = c.indices;
        v.values = values;
        writer.append(v);
        obs.add(c);
      });
      writer.finish(obs.take_metadata(design));
    });
    out.write(1, [&](const std::string& path) { write_truth(path, design); });
    out.commit();
  } else {
    OutputDir out(o.out, kTenxFiles, o.force);
    // write_10x_dir takes the whole matrix; a 10x directory is for data sets that fit in memory.
    // The counts stream straight into doubles (12 bytes a nonzero): simulate() and then a double
    // copy would hold 16, and a float copy would round counts above 2^24.
    std::vector<std::int64_t> indptr{0};
    std::vector<std::int32_t> indices;
    std::vector<double> values;
    simulate_chunks(o.sim, o.chunk_cells, [&](const SimulationChunk& c) {
      const std::int64_t base = indptr.back();
      for (std::size_t i = 1; i < c.indptr.size(); ++i) indptr.push_back(base + c.indptr[i]);
      indices.insert(indices.end(), c.indices.begin(), c.indices.end());
      values.insert(values.end(), c.counts.begin(), c.counts.end());
      obs.add(c);
    });
    const Metadata m = obs.take_metadata(design);
    CsrView<double> v;
    v.rows = static_cast<Index>(indptr.size() - 1);
    v.cols = design.genes;
    v.indptr = indptr;
    v.indices = indices;
    v.values = values;
    write_as(out.staging().string(), o.out,
             [&](const std::string& dir) { io::write_10x_dir(dir, v, design.gene_names, m.cell_ids); });
    out.write("metadata.csv", [&](const std::string& path) { write_metadata_csv(path, m); });
    out.write("truth.tsv", [&](const std::string& path) { write_truth(path, design); });
    out.commit();
    truth_path = (fs::path(o.out) / "truth.tsv").string();
  }
  if (!o.quiet)
    std::fprintf(stderr, "wrote %lld cells x %lld genes to '%s'; truth in '%s'\n", static_cast<long long>(design.cells),
                 static_cast<long long>(design.genes), o.out.c_str(), truth_path.c_str());
}

}  // namespace

void add_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  auto& s = o->sim;
  CLI::App* sub = app.add_subcommand("simulate", "Simulate multi-sample single-cell counts (.h5ad or 10x directory)");
  sub->add_option("--genes", s.genes, "Genes")->capture_default_str();
  sub->add_option("--cells", s.cells, "Cells")->capture_default_str();
  sub->add_option("--samples", s.samples, "Samples (nested in treatments)")->capture_default_str();
  sub->add_option("--clusters", s.clusters, "Cell types")->capture_default_str();
  sub->add_option("--treatments", s.treatments, "Treatments; the last is the treated one")->capture_default_str();
  sub->add_option("--de-genes", s.de_genes, "DE genes")->capture_default_str();
  sub->add_option("--min-beta", s.min_beta, "Smallest |DE effect| on the log mean")->capture_default_str();
  sub->add_option("--max-beta", s.max_beta, "Largest |DE effect| on the log mean")->capture_default_str();
  sub->add_option("--var-random", s.var_random, "Variance of the sample random effects")->capture_default_str();
  sub->add_option("--seed", s.seed, "Random seed")->capture_default_str();
  sub->add_option("--nonzero-fraction", s.nonzero_fraction, "Expected fraction of nonzero counts")
      ->capture_default_str();
  sub->add_option("--threads", s.threads, "Threads (0: all cores); never changes the data")->capture_default_str();
  sub->add_option("--chunk-cells", o->chunk_cells, "Cells simulated per block")->capture_default_str()->check(
      whole_number(1));
  sub->add_flag("--quiet", o->quiet, "No message on stderr");
  sub->add_option("-o,--out", o->out,
                  "FILE.h5ad (with FILE.truth.tsv beside it), or a folder for 10x output (matrix.mtx.gz, "
                  "features.tsv.gz, barcodes.tsv.gz, metadata.csv, truth.tsv)")
      ->required();
  sub->add_flag("--force", o->force, "Replace an earlier simulation's files");
  sub->footer(simulate_help());
  set_action(sub, [o] { run_simulate(*o); });
}

}  // namespace flashmm::cli
