#include "cli/cell_metadata.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>
#include <flashmm/metadata_csv.hpp>

#include "formula/terms.hpp"
#include "formula/variables.hpp"
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
  if (!source.metadata_file.empty()) {
    MetadataCsvOptions o;
    o.categorical = source.categorical;
    meta = read_metadata_csv(source.metadata_file, o);
    from = "--metadata '" + source.metadata_file + "'";
  } else if (detail::ends_with_nocase(source.input, ".h5ad")) {
    meta = io::read_h5ad_obs(source.input);
    from = "obs of '" + source.input + "'";
    // h5ad obs columns come typed by anndata; --categorical recodes them as the CSV reader does.
    for (const auto& name : source.categorical) {
      auto it = std::find_if(meta.columns.begin(), meta.columns.end(), [&](const auto& c) { return c.name == name; });
      if (it == meta.columns.end())
        throw InputError("--categorical names column '" + name + "', which " + from + " does not have");
      make_categorical(*it);
    }
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
    throw InputError(std::to_string(n_missing) + " of " + std::to_string(cells.size()) + " cells of '" +
                     reader.path() + "' have no row in " + from + " (e.g. " + ids +
                     "); the metadata's first column must hold the matrix's cell ids");
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

bool formula_mentions(const std::string& formula, const std::string& name) {
  namespace f = detail::formula;
  f::ParsedFormula parsed;
  try {
    parsed = f::parse_terms(formula);
  } catch (const ParseError&) {
    return false;  // the design reports it, with the formulas in their order
  }
  for (const auto& var : parsed.variables) {
    std::vector<const f::Node*> names;
    f::collect_columns(*var.node, names);
    if (std::any_of(names.begin(), names.end(), [&](const f::Node* n) { return n->text == name; })) return true;
  }
  return false;
}

void add_cell_totals(Metadata& metadata, io::MatrixReader& reader, const std::vector<std::string>& formulas,
                     Index chunk_cells) {
  auto needed = [&](const std::string& name) {
    if (metadata.find(name)) return false;
    return std::any_of(formulas.begin(), formulas.end(), [&](const auto& f) { return formula_mentions(f, name); });
  };
  const bool need_lib = needed("libsize"), need_nf = needed("nfeatures");
  if (!need_lib && !need_nf) return;
  const auto n = static_cast<std::size_t>(reader.n_cells());
  std::vector<double> lib(n, 0.0), nf(n, 0.0);
  io::CellChunk chunk;
  while (reader.next_chunk(chunk, chunk_cells)) {
    for (Index c = 0; c < chunk.n_cells; ++c) {
      const auto cell = static_cast<std::size_t>(chunk.first_cell + c);
      const auto b = chunk.indptr[static_cast<std::size_t>(c)], e = chunk.indptr[static_cast<std::size_t>(c) + 1];
      double s = 0, nz = 0;
      for (auto k = b; k < e; ++k) {
        const double v = chunk.values[static_cast<std::size_t>(k)];
        s += v;
        nz += v != 0;  // files may store explicit zeros; they are not features
      }
      lib[cell] = s;
      nf[cell] = nz;
    }
  }
  reader.rewind();
  auto add = [&](const std::string& name, std::vector<double> v) {
    MetadataColumn c;
    c.name = name;
    c.kind = MetadataColumn::Kind::numeric;
    c.numbers = std::move(v);
    metadata.columns.push_back(std::move(c));
  };
  if (need_lib) add("libsize", std::move(lib));
  if (need_nf) add("nfeatures", std::move(nf));
}

}  // namespace flashmm::cli
