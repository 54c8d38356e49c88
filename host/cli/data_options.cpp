#include "cli/data_options.hpp"

#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/cell_stream.hpp>

#include "cli/cell_metadata.hpp"
#include "cli/messages.hpp"
#include "cli/option_checks.hpp"
#include "cli/progress.hpp"
#include "dist/cell_split.hpp"
#include "dist/communicator.hpp"
#include "dist/design_agreement.hpp"
#include "dist/stats_reduction.hpp"

namespace flashmm::cli {

void add_data_options(CLI::App* sub, DataOptions& o) {
  sub->add_option("input", o.input, "Count matrix: .h5ad, 10x directory or .h5, .mtx[.gz], dense .csv/.tsv (give it first)")
      ->required();
  sub->add_option("--fixed", o.fixed,
                  "Fixed-effects formula (R), e.g. '~ 0 + log(libsize) + cls + cls:trt'; may hold lme4 random terms, "
                  "'~ 0 + log(libsize) + cls + cls:trt + (1 | sam)'. Factor levels: an .h5ad categorical keeps its "
                  "stored order, text is sorted in byte order (R's sort in the C locale: cls1 < cls10 < cls2), numbers "
                  "in factor() or --categorical by value; the first level is the reference. Reorder them with "
                  "factor(x, levels = c(\"b\", \"a\")) or relevel(trt, ref = \"ctrl\")")
      ->required();
  sub->add_option("--random", o.random,
                  "Random effects, one variance component per term: lme4's '(1 | sam) + (1 | batch)' (two components), "
                  "'(0 + x | sam)' (a slope of x per sample), or one component's terms, '~ 0 + sam'. '~ sam' is refused: "
                  "R codes it as an intercept plus contrasts, not an effect per sample (write '~ 1 + sam' to mean that). "
                  "Correlated terms such as (1 + x | sam) are refused: write (1 | sam) + (0 + x | sam). Not needed "
                  "when --fixed holds the random terms. One or more formulas, or repeat the flag")
      ->take_all();
  sub->add_option("--transform", o.transform, "Expression transform: log2p1 = log2(1 + x), or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"log2p1", "none"}));
  sub->add_option("--chunk-cells", o.chunk_cells,
                  "Cells read per block (at most: a block of an .h5ad or 10x .h5 holds at most 2^23 stored values)")
      ->capture_default_str()
      ->check(whole_number(1));
  sub->add_option("--metadata", o.metadata,
                  "Cell metadata .csv/.tsv, first column the cell ids. Column types as R's read.csv gives them: a column "
                  "of numbers is numeric, quoted or not (see --categorical)");
  sub->add_option("--metadata-sep", o.metadata_sep,
                  "Delimiter of --metadata: ',', ';', tab or '|' (default: ',' for .csv, tab for .tsv/.txt)")
      ->check(delimiter_choice());
  sub->add_option("--categorical", o.categorical,
                  "Metadata columns to read as categorical (cluster ids written as numbers): levels sorted by value "
                  "for numbers. One or more, comma-separated, or repeat the flag")
      ->delimiter(',')
      ->take_all();
  sub->add_option("--subset", o.subset,
                  "Only the cells where this R condition over metadata columns is TRUE (NA: left out), e.g. "
                  "'cls == \"3\"', 'trt %in% c(\"A\", \"B\") & age >= 30' (== != < <= > >= %in% is.na & | !); "
                  "factor levels no kept cell has are left out");
  sub->add_option("--layer", o.reader.layer, "h5ad: read layers/NAME instead of X");
  sub->add_flag("--use-raw", o.reader.use_raw, "h5ad: read raw/X");
  sub->add_option("--gene-column", o.reader.gene_column, "h5ad: var column with gene names; 10x: 'id' for feature ids");
  sub->add_option("--genes,--genes-file", o.reader.genes_file, ".mtx: file of gene names, one a line");
  sub->add_option("--cells,--cells-file", o.reader.cells_file, ".mtx: file of cell ids, one a line");
  sub->add_option("--feature-types", o.reader.feature_types, "10x: feature types to read (default 'Gene Expression'; 'all')")->delimiter(',');
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
  io::ReaderOptions reading = o.reader;
  reading.threads = o.run.threads;
  auto reader = io::open_matrix(o.input, reading);
  // The first block is decoded while the metadata is read and the design built (one process
  // reading from the first cell: shards start elsewhere).
  if (range.begin <= 0 && dist::world().size() == 1) reader->prefetch(o.chunk_cells);
  show_warnings(reader->warnings(), o.run.quiet);
  if (o.metadata.empty() && !reader->metadata_file().empty())
    show_note("cell metadata from '" + reader->metadata_file() + "' (found beside the matrix; --metadata reads another)",
              o.run.quiet);
  const Index n_cells = reader->n_cells(), n_genes = reader->n_genes();
  const Index end = range.end < 0 ? n_cells : range.end;
  if (end > n_cells)
    throw InputError("--cell-range ends at cell " + std::to_string(end) + " but '" + o.input + "' has " +
                     std::to_string(n_cells) + " cells");

  Metadata meta = load_cell_metadata({o.input, o.metadata, o.categorical, delimiter_of(o.metadata_sep)}, *reader);
  // Cell totals the metadata lacks: chunk by chunk in the one pass, except where a formula or the
  // subset needs every cell's value first.
  const CellTotalsUse totals = cell_totals_use(meta, o.fixed, o.random, o.subset);
  if (!totals.all_cells.empty()) {
    std::string why;
    for (const auto& r : totals.reasons) why += (why.empty() ? "" : ", ") + r;
    show_note("reading the data twice: the cell totals of every cell are needed before the model is built, by " + why +
                  " (add them to the metadata to read the data once)",
              o.run.quiet);
    add_cell_totals(meta, *reader, totals.all_cells, o.chunk_cells, o.run.quiet);
  }
  DesignOptions design_options;
  design_options.subset = o.subset;
  design_options.cell_totals_from_data = !totals.per_cell.empty();
  const DesignBuilder design(meta, o.fixed, o.random, design_options);
  if (design.q() == 0)
    throw InputError("the model has no random component: give --random '~ 0 + sam' or a term (1 | sam) in --fixed");
  show_warnings(design.warnings(), o.run.quiet);
  for (const auto& c : design.numeric_label_columns())
    show_note("--categorical " + c + " reads `" + c + "` as categorical", o.run.quiet);
  if (!o.subset.empty()) {
    const CellCounts& n = design.cell_counts();
    show_note("--subset keeps " + std::to_string(n.rows - n.outside_subset) + " of " + std::to_string(n.rows) +
                  " cells (" + std::to_string(n.outside_subset) + " left out)",
              o.run.quiet);
  }
  meta = Metadata{};  // the design keeps what it needs
  if (before_stream) before_stream(design);
  // Under MPI each rank streams its share of the cells (host/dist); one process reads them all.
  dist::agree_on_design(design, reader->gene_names());
  const dist::Communicator& ranks = dist::world();
  const dist::CellShare share = dist::share_cells(range.begin, end, ranks.rank(), ranks.size(), kCellBlock);

  Stage stage("reading " + o.input, share.end - share.begin, "cells", o.run.quiet);
  CellStreamAccumulator acc(design, reader->gene_names(), parse_transform(o.transform), o.run.threads,
                            parse_device(o.run.device));
  SummaryStats stats;
  try {
    stats = accumulate_cells(*reader, acc, o.chunk_cells, share.begin, share.end,
                             [&](ProgressStage, Index done, Index) { stage.update(done); });
  } catch (const ExpressionValueError& e) {
    std::string counts;  // the input's matrices that hold counts, as the flags that read them
    for (const auto& m : reader->count_matrices()) {
      const std::string flag = m.use_raw ? "--use-raw" : m.layer.empty() ? "X (no --layer)" : "--layer " + m.layer;
      counts += (counts.empty() ? "" : ", ") + flag;
    }
    throw InputError(std::string(e.what()) + (counts.empty() ? "" : "; '" + o.input + "' holds counts in " + counts) +
                     " (or --transform none)");
  }
  show_notes(acc.notes(), o.run.quiet);
  dist::combine_stats(stats);  // the statistics of every rank's cells, on every rank
  stage.finish(std::to_string(stats.n) + " cells x " + std::to_string(n_genes) + " genes");
  if (provenance != nullptr) {
    provenance->transform = o.transform;
    provenance->fixed_formula = o.fixed;
    provenance->random_formulas = o.random;
    provenance->subset = o.subset;
    provenance->matrix = o.reader.use_raw ? "raw/X" : o.reader.layer.empty() ? "X" : "layers/" + o.reader.layer;
    provenance->cells = {{o.input, io::input_identity(reader->cell_ids(), reader->gene_names()), n_cells, range.begin, end}};
  }
  return stats;
}

}  // namespace flashmm::cli
