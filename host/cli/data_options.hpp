#pragma once
// Internal: the options that say which cells to read and how to model them (de, sumstats), and
// the streaming of the cells into summary statistics.
#include <flashmm/formula.hpp>
#include <flashmm/io/matrix_reader.hpp>
#include <flashmm/io/stats_file.hpp>
#include <flashmm/summary_stats.hpp>

#include "cli/run_options.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace flashmm::cli {

struct DataOptions {
  std::string input;
  std::string fixed;
  std::vector<std::string> random;
  std::string transform = "log2p1";
  Index chunk_cells = 20000;
  std::string metadata;
  std::string metadata_sep;  ///< --metadata-sep: ",", ";", "tab", "|"; empty: from the file name
  std::vector<std::string> categorical;
  std::string subset;        ///< --subset: an R condition over metadata columns
  io::ReaderOptions reader;  ///< --layer, --use-raw, --gene-column, --genes, --cells
  RunOptions run;
};

/// Registers the input, model, reading and run options on a subcommand.
void add_data_options(CLI::App* sub, DataOptions& o);

/// A half-open range of cells [begin, end) of the input; end < 0: to the last cell.
struct CellRange {
  Index begin = 0;
  Index end = -1;
};
/// Parses "START:END" (1-based, inclusive, as a user counts cells; either side may be empty).
CellRange parse_cell_range(const std::string& text);

/// Reads the input in chunks of cells and accumulates the summary statistics of the model, in
/// one pass (libsize and nfeatures that the metadata lacks are computed chunk by chunk), or two
/// where a formula or --subset needs a cell total of every cell first (scale(libsize)), with a
/// note. before_stream runs once the design is known and before the data are read, so that a
/// caller can reject bad contrasts without a pass over the data. Progress, timings, warnings
/// and the cells --subset keeps on stderr.
SummaryStats stream_summary_stats(const DataOptions& o, const CellRange& range,
                                  const std::function<void(const DesignBuilder&)>& before_stream,
                                  io::StatsProvenance* provenance);

Transform parse_transform(const std::string& name);

}  // namespace flashmm::cli
