#include "stream.hpp"

#include <flashmm/cell_stream.hpp>
#include <flashmm/device.hpp>
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "cli/cell_metadata.hpp"
#include "cli/data_options.hpp"
#include "cli/fit_options.hpp"

#include <algorithm>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace flashmm::python {

namespace {

// libsize and nfeatures for in-memory data, where the program's add_cell_totals (which reads a
// file's reader) does not apply: the same rule (a formula names them, the metadata lacks them).
void add_memory_totals(Metadata& meta, CellSource& source, const std::vector<std::string>& formulas,
                       Index chunk_cells) {
  auto needed = [&](const std::string& name) {
    return !meta.find(name) && std::any_of(formulas.begin(), formulas.end(),
                                           [&](const auto& f) { return cli::formula_mentions(f, name); });
  };
  const bool lib = needed("libsize"), nf = needed("nfeatures");
  if (!lib && !nf) return;
  std::vector<double> libsize, nfeatures;
  cell_totals(source, chunk_cells, libsize, nfeatures);
  auto add = [&](const char* name, std::vector<double> v) {
    MetadataColumn c;
    c.name = name;
    c.kind = MetadataColumn::Kind::numeric;
    c.numbers = std::move(v);
    meta.columns.push_back(std::move(c));
  };
  if (lib) add("libsize", std::move(libsize));
  if (nf) add("nfeatures", std::move(nfeatures));
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

  std::vector<std::string> formulas = r.random;
  formulas.push_back(r.fixed);
  if (auto* file = dynamic_cast<FileSource*>(&source))
    cli::add_cell_totals(meta, file->reader(), formulas, r.chunk_cells);
  else
    add_memory_totals(meta, source, formulas, r.chunk_cells);

  const DesignBuilder design(meta, r.fixed, r.random);
  session.warn(design.warnings());
  cli::tests_for(design.fixed_names(), r.contrasts);  // a typo in a contrast costs no pass over the data
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
