#pragma once
// Cells -> summary statistics for the Python package: a source's blocks of cells streamed
// through the model's design, as the program's `de` and `sumstats` do for a file.
#include <flashmm/metadata.hpp>
#include <flashmm/summary_stats.hpp>

#include "cell_source.hpp"
#include "session.hpp"

#include <string>
#include <vector>

namespace flashmm::python {

struct StreamRequest {
  std::string fixed;
  std::vector<std::string> random;
  std::string transform = "log2p1";    ///< "log2p1" or "none"
  Index chunk_cells = 20000;
  int threads = 0;
  std::string device = "auto";
  Index begin = 0, end = -1;           ///< cells [begin, end) of the source (0-based); end < 0: to the last
  std::vector<std::string> categorical;  ///< metadata columns to recode as categorical
  std::vector<std::string> contrasts;    ///< checked against the design before any cell is read
  std::string matrix = "X";             ///< the matrix read, as the statistics record it ("layers/NAME", "raw/X")
};

/// The model's summary statistics over the source's cells [begin, end) (the design, levels
/// included, comes from all cells, so shards merge exactly). metadata: one row per cell of the
/// source, in its order. libsize and nfeatures are computed from the data when a formula needs
/// them and the metadata lacks them. Warnings and notes go to the session; checkpoints between
/// blocks. Call without the GIL.
SummaryStats stream_stats(CellSource& source, std::vector<std::string> gene_names, Metadata metadata,
                          const StreamRequest& request, Session& session);

}  // namespace flashmm::python
