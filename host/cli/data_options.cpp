#include "cli/data_options.hpp"

#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/cell_stream.hpp>

#include "cli/cell_metadata.hpp"
#include "cli/messages.hpp"
#include "cli/progress.hpp"


namespace flashmm::cli {

void add_data_options(CLI::App* sub, DataOptions& o) {
  sub->add_option("input", o.input, "Count matrix: .h5ad, 10x directory or .h5, .mtx[.gz], dense .csv/.tsv")
      ->required();
  sub->add_option("--fixed", o.fixed, "Fixed-effects formula, e.g. '~ 0 + log(libsize) + cls + cls:trt'")->required();
  sub->add_option("--random", o.random, "Random-effects formula, one per component, e.g. '~ 0 + sam'")
      ->required()
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--transform", o.transform, "Expression transform: log2p1 = log2(1 + x), or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"log2p1", "none"}));
  sub->add_option("--chunk-cells", o.chunk_cells, "Cells read per block")->capture_default_str()->check(
      CLI::PositiveNumber);
  sub->add_option("--metadata", o.metadata, "Cell metadata .csv/.tsv, first column the cell ids");
  sub->add_option("--categorical", o.categorical, "Metadata columns to treat as categorical")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->take_all();
  sub->add_option("--layer", o.reader.layer, "h5ad: read layers/NAME instead of X");
  sub->add_flag("--use-raw", o.reader.use_raw, "h5ad: read raw/X");
  sub->add_option("--gene-column", o.reader.gene_column, "h5ad: var column with gene names; 10x: 'id' for feature ids");
  sub->add_option("--genes", o.reader.genes_file, ".mtx: file of gene names, one a line");
  sub->add_option("--cells", o.reader.cells_file, ".mtx: file of cell ids, one a line");
  add_run_options(sub, o.run);
}

Transform parse_transform(const std::string& name) { return name == "none" ? Transform::none : Transform::log2p1; }

CellRange parse_cell_range(const std::string& text) {
  CellRange r;
  const auto colon = text.find(':');
  auto number = [&](const std::string& s) -> Index {
    if (s.empty()) return -1;
    try {
      std::size_t used = 0;
      const long long v = std::stoll(s, &used);
      if (used == s.size() && v >= 1) return static_cast<Index>(v);
    } catch (const std::exception&) {
    }
    throw InputError("--cell-range '" + text + "': expected START:END with 1-based cell numbers, e.g. 1:500000");
  };
  if (colon == std::string::npos) throw InputError("--cell-range '" + text + "': expected START:END, e.g. 1:500000");
  const Index start = number(text.substr(0, colon)), end = number(text.substr(colon + 1));
  r.begin = start < 0 ? 0 : start - 1;
  r.end = end;
  if (r.end >= 0 && r.end <= r.begin) throw InputError("--cell-range '" + text + "': END must be >= START");
  return r;
}

SummaryStats stream_summary_stats(const DataOptions& o, const CellRange& range,
                                  const std::function<void(const DesignBuilder&)>& before_stream,
                                  io::StatsProvenance* provenance) {
  auto reader = io::open_matrix(o.input, o.reader);
  const Index n_cells = reader->n_cells(), n_genes = reader->n_genes();
  const Index end = range.end < 0 ? n_cells : range.end;
  if (end > n_cells)
    throw InputError("--cell-range ends at cell " + std::to_string(end) + " but '" + o.input + "' has " +
                     std::to_string(n_cells) + " cells");

  Metadata meta = load_cell_metadata({o.input, o.metadata, o.categorical}, *reader);
  std::vector<std::string> formulas = o.random;
  formulas.push_back(o.fixed);
  add_cell_totals(meta, *reader, formulas, o.chunk_cells);

  const DesignBuilder design(meta, o.fixed, o.random);
  show_warnings(design.warnings(), o.run.quiet);
  if (before_stream) before_stream(design);

  Stage stage("reading " + o.input, end - range.begin, "cells", o.run.quiet);
  CellStreamAccumulator acc(design, reader->gene_names(), parse_transform(o.transform), o.run.threads,
                            parse_device(o.run.device));
  io::CellChunk chunk;
  Index position = 0;  // cells of the input passed so far
  while (position < end && reader->next_chunk(chunk, o.chunk_cells)) {
    const Index c0 = chunk.first_cell, c1 = c0 + chunk.n_cells;
    position = c1;
    if (c1 <= range.begin) {
      acc.skip(chunk.n_cells);
      continue;
    }
    if (c0 < range.begin || c1 > end) {
      // The range starts or ends inside this chunk: keep its rows [lo, hi).
      const Index lo = std::max(c0, range.begin) - c0, hi = std::min(c1, end) - c0;
      acc.skip(lo);
      std::vector<std::int64_t> indptr;
      const CsrView<double> part =
          csr_rows<double>(chunk.indptr, chunk.indices, chunk.values, n_genes, lo, hi, indptr);
      acc.add(c0 + lo, part);
      acc.skip(chunk.n_cells - hi);
    } else {
      acc.add(c0, chunk.view(n_genes));
    }
    stage.update(std::min(c1, end) - range.begin);
  }
  acc.skip(n_cells - acc.cells_seen());
  show_notes(acc.notes(), o.run.quiet);
  SummaryStats stats = acc.finish();
  stage.finish(std::to_string(stats.n) + " cells x " + std::to_string(n_genes) + " genes");
  if (provenance != nullptr) {
    provenance->transform = o.transform;
    provenance->fixed_formula = o.fixed;
    provenance->random_formulas = o.random;
  }
  return stats;
}

}  // namespace flashmm::cli
