// flashmm simulate: write a simulated multi-sample data set (FLASHMM's simuRNAseq model) as .h5ad
// or as a 10x directory with metadata.csv, plus the truth table of the DE genes.
#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>
#include <flashmm/io/tenx.hpp>
#include <flashmm/simulate.hpp>

#include "cli/commands.hpp"
#include "cli/option_checks.hpp"
#include "io/gzip_lines.hpp"
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
  std::string out;
};

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

void write_text(const fs::path& path, const std::string& text) {
  detail::TempFile tmp(path.string());
  std::FILE* f = std::fopen(tmp.temp_path().c_str(), "w");
  if (!f) throw IoError("cannot write '" + tmp.temp_path() + "'; check that its directory exists and is writable");
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) throw IoError("error writing '" + tmp.temp_path() + "' (disk full?)");
  tmp.commit();
}

std::string truth_table(const SimulationDesign& d) {
  std::string s = "gene\tcluster\ttreatment\tbeta\n";
  char buf[64];
  for (const auto& t : d.truth) {
    std::snprintf(buf, sizeof buf, "%.17g", t.beta);
    s += t.gene + "\t" + t.cluster + "\t" + t.treatment + "\t" + buf + "\n";
  }
  return s;
}

std::string metadata_csv(const Metadata& m) {
  std::string s = "cell,sam,cls,trt,libsize\n";
  char buf[64];
  const auto& sam = m.columns[0], &cls = m.columns[1], &trt = m.columns[2], &lib = m.columns[3];
  for (std::size_t i = 0; i < m.cell_ids.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.17g", lib.numbers[i]);
    // Quoted so that numeric-looking clusters ("1", "10") read back as categories.
    s += m.cell_ids[i] + ",\"" + sam.levels[static_cast<std::size_t>(sam.codes[i])] + "\",\"" +
         cls.levels[static_cast<std::size_t>(cls.codes[i])] + "\",\"" +
         trt.levels[static_cast<std::size_t>(trt.codes[i])] + "\"," + buf + "\n";
  }
  return s;
}

void run_simulate(const SimulateOptions& o) {
  const SimulationDesign design = make_simulation_design(o.sim);  // validates the options first
  const fs::path out(o.out);
  ObsCodes obs;
  fs::path truth_path;
  if (detail::ends_with_nocase(o.out, ".h5ad")) {
    if (out.has_parent_path() && !fs::is_directory(out.parent_path()))
      throw IoError("the directory of --out '" + o.out + "' does not exist; create it first");
    io::H5adWriter writer(o.out, design.gene_names);
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
    truth_path = (out.has_parent_path() ? out.parent_path() : fs::path(".")) / "truth.tsv";
  } else {
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
    io::write_10x_dir(o.out, v, design.gene_names, m.cell_ids);
    write_text(out / "metadata.csv", metadata_csv(m));
    truth_path = out / "truth.tsv";
  }
  write_text(truth_path, truth_table(design));
  if (!o.quiet)
    std::fprintf(stderr, "wrote %lld cells x %lld genes to '%s'; truth in '%s'\n", static_cast<long long>(design.cells),
                 static_cast<long long>(design.genes), o.out.c_str(), truth_path.string().c_str());
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
  sub->add_option("--out", o->out, "FILE.h5ad, or a directory for 10x output with metadata.csv")->required();
  set_action(sub, [o] { run_simulate(*o); });
}

}  // namespace flashmm::cli
