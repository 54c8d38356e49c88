#include "stream.hpp"

#include <flashmm/cell_stream.hpp>
#include <flashmm/device.hpp>
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "cli/data_options.hpp"
#include "cli/fit_options.hpp"

#include <algorithm>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace flashmm::python {

namespace {

// The cell totals `names` as metadata columns, for the uses that need every cell's total before
// the design is built (cell_totals_use(): scale(libsize), a factor of it): a pass of their own
// over a file's reader or the in-memory cells. Per-cell uses get them in the main pass.
void add_totals(Metadata& meta, CellSource& source, const std::vector<std::string>& names, Index chunk_cells) {
  if (names.empty()) return;
  std::vector<double> libsize, nfeatures;
  if (auto* file = dynamic_cast<FileSource*>(&source)) {
    CellTotalColumns t = compute_cell_totals(file->reader(), chunk_cells);
    libsize = std::move(t.libsize);
    nfeatures = std::move(t.nfeatures);
  } else {
    cell_totals(source, chunk_cells, libsize, nfeatures);
  }
  for (const auto& name : names) {
    MetadataColumn c;
    c.name = name;
    c.kind = MetadataColumn::Kind::numeric;
    c.numbers = name == "libsize" ? std::move(libsize) : std::move(nfeatures);
    meta.columns.push_back(std::move(c));
  }
}

}  // namespace

SummaryStats stream_stats(CellSource& source, std::vector<std::string> gene_names, Metadata meta,
                          const StreamRequest& r, Session& session) {
  const Index n_cells = source.n_cells();
  const Index end = r.end < 0 ? n_cells : r.end;
  if (r.begin < 0 || end > n_cells || end <= r.begin)
    throw OptionError("cell_range", "the cell range " + std::to_string(r.begin + 1) + ".." + std::to_string(end) +
                                        " is not within the " + std::to_string(n_cells) + " cells of " + source.what());
  if (r.chunk_cells < 1) throw OptionError("chunk_cells", "the cells per block must be at least 1");
  if (meta.n_cells() != n_cells)
    throw InputError("the metadata has " + std::to_string(meta.n_cells()) + " rows but " + source.what() + " has " +
                     std::to_string(n_cells) + " cells");
  if (static_cast<Index>(gene_names.size()) != source.n_genes())
    throw InputError("there are " + std::to_string(gene_names.size()) + " gene names for the " +
                     std::to_string(source.n_genes()) + " genes of " + source.what());
  for (const auto& name : r.categorical) {
    auto it = std::find_if(meta.columns.begin(), meta.columns.end(), [&](const auto& c) { return c.name == name; });
    if (it == meta.columns.end())
      throw InputError("categorical names column '" + name + "', which the metadata does not have");
    make_categorical(*it);
  }

  // libsize and nfeatures that the metadata lacks come with each block (one pass over the cells),
  // except where a formula needs every cell's value first.
  const CellTotalsUse totals = cell_totals_use(meta, r.fixed, r.random);
  if (!totals.all_cells.empty()) {
    std::string why;
    for (const auto& reason : totals.reasons) why += (why.empty() ? "" : ", ") + reason;
    session.note("reading the data twice: the cell totals of every cell are needed before the model is built, by " +
                 why + " (add them to the metadata to read the data once)");
    add_totals(meta, source, totals.all_cells, r.chunk_cells);
  }
  DesignOptions design_options;
  design_options.cell_totals_from_data = !totals.per_cell.empty();
  const DesignBuilder design(meta, r.fixed, r.random, design_options);
  session.warn(design.warnings());
  parse_contrasts(r.contrasts, design.fixed_names());  // a typo in a contrast costs no pass over the data
  meta = Metadata{};  // the design keeps what it needs

  CellStreamAccumulator acc(design, std::move(gene_names), cli::parse_transform(r.transform), r.threads,
                            parse_device(r.device));
  session.note(acc.notes());
  const Index total = end - r.begin;
  source.for_each_chunk(r.chunk_cells, [&](Index c0, const ChunkView& block) {
    std::visit(
        [&](const auto& y) {
          using V = std::decay_t<decltype(y)>;
          using T = std::remove_const_t<typename decltype(y.values)::element_type>;
          const Index c1 = c0 + y.rows;
          if (c1 <= r.begin) {
            acc.skip(y.rows);
          } else if (c0 < r.begin || c1 > end) {
            // The range starts or ends inside this block: keep its rows [lo, hi).
            const Index lo = std::max(c0, r.begin) - c0, hi = std::min(c1, end) - c0;
            acc.skip(lo);
            std::vector<std::int64_t> indptr;
            const V part = csr_rows<T>(y.indptr, y.indices, y.values, y.cols, lo, hi, indptr);
            acc.add(c0 + lo, part);
            acc.skip(y.rows - hi);
          } else {
            acc.add(c0, y);
          }
        },
        block);
#if defined(__GLIBC__)
    // The accumulator's per-block buffers (about 12 bytes per nonzero) are freed after each block;
    // glibc keeps such freed heap memory resident, so that without this the process would hold
    // about two blocks instead of one.
    malloc_trim(0);
#endif
    const Index c1 = acc.cells_seen();
    session.checkpoint("reading", std::clamp<Index>(c1 - r.begin, 0, total), total);
    return c1 < end;
  });
  acc.skip(n_cells - acc.cells_seen());
  SummaryStats stats = acc.finish();
  session.checkpoint("reading", total, total, true);
  return stats;
}

}  // namespace flashmm::python
