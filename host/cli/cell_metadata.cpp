#include "cli/cell_metadata.hpp"

#include <flashmm/cell_stream.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>
#include <flashmm/metadata_csv.hpp>

#include "cli/progress.hpp"
#include "io/path_util.hpp"

#include <algorithm>
#include <unordered_map>

namespace flashmm::cli {

namespace {

template <class T>
std::vector<T> pick(const std::vector<T>& v, const std::vector<std::size_t>& rows) {
  if (v.empty()) return {};
  std::vector<T> out;
  out.reserve(rows.size());
  for (std::size_t r : rows) out.push_back(v[r]);
  return out;
}

}  // namespace

Metadata load_cell_metadata(const MetadataSource& source, const io::MatrixReader& reader) {
  Metadata meta;
  std::string from;
  // Without --metadata: the metadata file the input carries (a 10x directory's metadata.csv).
  const std::string& csv = source.metadata_file.empty() ? reader.metadata_file() : source.metadata_file;
  if (!csv.empty()) {
    MetadataCsvOptions o;
    o.categorical = source.categorical;
    o.delimiter = source.delimiter;
    meta = read_metadata_csv(csv, o);
    from = (source.metadata_file.empty() ? "'" : "--metadata '") + csv + "'";
  } else if (detail::ends_with_nocase(source.input, ".h5ad")) {
    // The matrix's cells are obs's rows, in order: its reader has their ids (obs's index) and
    // checked them, so the rows need no matching.
    meta = io::read_h5ad_obs_columns(source.input, reader.n_cells());
    meta.cell_ids = reader.cell_ids();
    from = "obs of '" + source.input + "'";
    // h5ad obs columns come typed by anndata; --categorical recodes them as the CSV reader does.
    for (const auto& name : source.categorical) {
      auto it = std::find_if(meta.columns.begin(), meta.columns.end(), [&](const auto& c) { return c.name == name; });
      if (it == meta.columns.end())
        throw InputError("--categorical names column '" + name + "', which " + from + " does not have");
      make_categorical(*it);
    }
    return meta;
  } else {
    throw InputError("'" + source.input + "' holds no cell metadata; give --metadata FILE.csv with one row per cell");
  }

  std::unordered_map<std::string, std::size_t> row_of;
  row_of.reserve(meta.cell_ids.size());
  for (std::size_t i = 0; i < meta.cell_ids.size(); ++i)
    if (!row_of.emplace(meta.cell_ids[i], i).second)
      throw InputError("cell id '" + meta.cell_ids[i] + "' appears more than once in " + from +
                       "; cell ids must be unique");

  const auto& cells = reader.cell_ids();
  std::vector<std::size_t> rows;
  rows.reserve(cells.size());
  std::vector<std::string> missing;
  std::size_t n_missing = 0;
  for (const auto& id : cells) {
    auto it = row_of.find(id);
    if (it == row_of.end()) {
      if (missing.size() < 5) missing.push_back(id);
      ++n_missing;
      continue;
    }
    rows.push_back(it->second);
  }
  if (n_missing > 0) {
    std::string ids;
    for (const auto& m : missing) ids += (ids.empty() ? "'" : ", '") + m + "'";
    std::string msg = std::to_string(n_missing) + " of " + std::to_string(cells.size()) + " cells of '" +
                      reader.path() + "' have no row in " + from + " (e.g. " + ids +
                      "); the metadata's first column must hold the matrix's cell ids";
    if (n_missing == cells.size() && !meta.cell_ids.empty()) {
      // None matches: show what the metadata holds instead, which usually tells why.
      std::string theirs;
      for (std::size_t i = 0; i < meta.cell_ids.size() && i < 3; ++i) theirs += (i ? ", '" : "'") + meta.cell_ids[i] + "'";
      msg += "; its ids are " + theirs + ", ...";
      if (meta.columns.empty()) msg += " and it has no other column: is it separated by another delimiter (--metadata-sep)?";
    }
    throw InputError(msg);
  }

  Metadata out;
  out.cell_ids = cells;
  for (const auto& c : meta.columns) {
    MetadataColumn n;
    n.name = c.name;
    n.kind = c.kind;
    n.levels = c.levels;
    n.numbers = pick(c.numbers, rows);
    n.codes = pick(c.codes, rows);
    n.strings = pick(c.strings, rows);
    n.booleans = pick(c.booleans, rows);
    n.missing = pick(c.missing, rows);
    out.columns.push_back(std::move(n));
  }
  return out;
}

void add_cell_totals(Metadata& metadata, io::MatrixReader& reader, const std::vector<std::string>& names,
                     Index chunk_cells, bool quiet) {
  if (names.empty()) return;
  std::string what;
  for (const auto& n : names) what += (what.empty() ? "" : " and ") + n;
  Stage stage("computing " + what + " (a first pass over the data)", reader.n_cells(), "cells", quiet);
  CellTotalColumns totals = compute_cell_totals(reader, chunk_cells, [&](ProgressStage, Index done, Index) { stage.update(done); });
  stage.finish();
  for (const auto& name : names) {
    MetadataColumn c;
    c.name = name;
    c.kind = MetadataColumn::Kind::numeric;
    c.numbers = name == "libsize" ? std::move(totals.libsize) : std::move(totals.nfeatures);
    metadata.columns.push_back(std::move(c));
  }
}

}  // namespace flashmm::cli
