#include "io/h5ad_frame.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>

#include "util/r_format.hpp"

#include <charconv>
#include <cmath>

namespace flashmm::detail {

namespace h = h5;

namespace {

std::string format_number(double x) {
  if (std::isnan(x)) return "";
  if (x == std::floor(x) && std::abs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// Levels of a categorical: strings, or numbers labelled as R prints them (pandas allows both),
// as factor() and --categorical label numbers, so that `cls10` is the same name from every reader.
std::vector<std::string> read_levels(hid_t dataset) {
  if (h::type_class(dataset) == H5T_STRING) return h::read_strings(dataset);
  const H5T_class_t c = h::type_class(dataset);
  if (c != H5T_INTEGER && c != H5T_FLOAT)
    throw IoError(h::where(dataset) + ": categories of an unsupported type");
  std::vector<std::string> out;
  for (double x : h::read_all<double>(dataset)) out.push_back(r_format_number(x));
  return out;
}

// Reads an enum (numpy bool) or integer dataset as 0/1 bytes.
std::vector<std::uint8_t> read_bool_dataset(hid_t dataset) {
  const Index n = h::length(dataset);
  std::vector<std::int8_t> raw(static_cast<std::size_t>(n));
  if (h::type_class(dataset) == H5T_ENUM) {
    // Enum -> integer conversion is not automatic in HDF5: read with the native enum type.
    h::Handle ft(H5Dget_type(dataset), H5Tclose);
    h::Handle mt(H5Tget_native_type(ft, H5T_DIR_ASCEND), H5Tclose);
    if (!mt.valid() || H5Tget_size(mt) != 1)
      throw IoError(h::where(dataset) + ": unsupported boolean encoding");
    h::read_slice(dataset, mt, 0, n, raw.data());
  } else {
    h::read_slice(dataset, H5T_NATIVE_INT8, 0, n, raw.data());
  }
  return {raw.begin(), raw.end()};
}

MetadataColumn categorical(const std::string& name, std::vector<std::int32_t> codes, std::vector<std::string> levels,
                           const std::string& where_) {
  MetadataColumn c;
  c.name = name;
  c.kind = MetadataColumn::Kind::categorical;
  for (auto code : codes)
    if (code < -1 || code >= static_cast<std::int32_t>(levels.size()))
      throw IoError(where_ + ": category code " + std::to_string(code) + " is outside 0.." +
                    std::to_string(static_cast<Index>(levels.size()) - 1) + "; the file is corrupt");
  c.codes = std::move(codes);
  c.levels = std::move(levels);
  return c;
}

}  // namespace

std::vector<std::string> frame_column_names(hid_t frame) {
  if (h::has_attr(frame, "column-order")) return h::read_string_array_attr(frame, "column-order");
  // anndata 0.7 files without column-order: take the members except the index and __categories.
  std::vector<std::string> names;
  const std::string index = h::read_string_attr(frame, "_index", "_index");
  for (auto& s : h::member_names(frame))
    if (s != index && s != "__categories") names.push_back(std::move(s));
  return names;
}

std::vector<std::string> read_frame_index(hid_t frame) {
  const std::string index = h::read_string_attr(frame, "_index", "_index");
  if (!h::exists(frame, index))
    throw IoError(h::where(frame) + " has no index column '" + index + "'; the file is not a valid AnnData file");
  return read_string_column(frame, index);
}

MetadataColumn read_frame_column(hid_t frame, const std::string& name) {
  const std::string w = h::where(frame) + "/" + name;
  if (!h::exists(frame, name)) throw IoError(w + ": no such column");
  if (h::is_group(frame, name)) {
    h::Handle g = h::open_group(frame, name);
    const std::string enc = h::read_string_attr(g, "encoding-type");
    if (enc == "categorical" || (h::exists(g, "categories") && h::exists(g, "codes"))) {
      h::Handle codes = h::open_dataset(g, "codes");
      h::Handle cats = h::open_dataset(g, "categories");
      return categorical(name, h::read_all<std::int32_t>(codes), read_levels(cats), w);
    }
    if (enc == "nullable-integer" || enc == "nullable-boolean") {
      h::Handle values = h::open_dataset(g, "values");
      h::Handle mask = h::open_dataset(g, "mask");
      const auto missing = read_bool_dataset(mask);
      MetadataColumn c;
      c.name = name;
      if (enc == "nullable-integer") {
        c.kind = MetadataColumn::Kind::numeric;
        c.numbers = h::read_all<double>(values);
        for (std::size_t i = 0; i < c.numbers.size() && i < missing.size(); ++i)
          if (missing[i] != 0) c.numbers[i] = std::nan("");
      } else {
        c.kind = MetadataColumn::Kind::boolean;
        c.booleans = read_bool_dataset(values);
        c.missing = missing;
      }
      return c;
    }
    throw IoError(w + ": unsupported column encoding '" + enc + "'; convert the column to a categorical, number or string in anndata");
  }
  h::Handle d = h::open_dataset(frame, name);
  if (h::dims(d).size() != 1) throw IoError(w + ": a column must be 1-D");
  MetadataColumn c;
  c.name = name;
  const H5T_class_t cls = h::type_class(d);
  // anndata 0.7: categorical codes with levels in <frame>/__categories/<name>.
  const std::string legacy = "__categories/" + name;
  if ((cls == H5T_INTEGER) && h::is_dataset(frame, legacy)) {
    h::Handle cats = h::open_dataset(frame, legacy);
    return categorical(name, h::read_all<std::int32_t>(d), read_levels(cats), w);
  }
  switch (cls) {
    case H5T_STRING:
      c.kind = MetadataColumn::Kind::string;
      c.strings = h::read_strings(d);
      return c;
    case H5T_ENUM:
      c.kind = MetadataColumn::Kind::boolean;
      c.booleans = read_bool_dataset(d);
      return c;
    case H5T_INTEGER:
    case H5T_FLOAT:
      c.kind = MetadataColumn::Kind::numeric;
      c.numbers = h::read_all<double>(d);
      return c;
    default:
      throw IoError(w + ": unsupported column type; store it as a number, string or categorical");
  }
}

std::vector<std::string> read_string_column(hid_t frame, const std::string& name) {
  MetadataColumn c = read_frame_column(frame, name);
  std::vector<std::string> out;
  switch (c.kind) {
    case MetadataColumn::Kind::string: return std::move(c.strings);
    case MetadataColumn::Kind::categorical:
      out.reserve(c.codes.size());
      for (auto code : c.codes) out.push_back(code < 0 ? std::string() : c.levels[static_cast<std::size_t>(code)]);
      return out;
    case MetadataColumn::Kind::numeric:
      for (double x : c.numbers) out.push_back(format_number(x));
      return out;
    case MetadataColumn::Kind::boolean:
      for (auto b : c.booleans) out.push_back(b != 0 ? "True" : "False");
      return out;
  }
  return out;
}

std::vector<std::string> read_var_names(hid_t file, const std::string& path, const std::string& gene_column, bool use_raw) {
  const std::string var_path = use_raw ? "raw/var" : "var";
  if (!h::is_group(file, var_path)) {
    if (use_raw) throw OptionError("use_raw", path + ": no raw/var group: the file has no raw data, drop the option");
    throw IoError(path + ": no var group; the file is not a valid AnnData file");
  }
  h::Handle var = h::open_group(file, var_path);
  if (gene_column.empty()) return read_frame_index(var);
  if (!h::exists(var, gene_column))
    throw OptionError("gene_column", path + ": " + var_path + " has no column '" + gene_column +
                                         "'; give one of its columns, or drop the option for var's index");
  return read_string_column(var, gene_column);
}

}  // namespace flashmm::detail

namespace flashmm::io {

namespace h = detail::h5;

namespace {

// obs's index (with_index) and columns, each column checked to hold n_cells values (the index's
// length when it is read).
Metadata read_obs(const std::string& path, bool with_index, Index n_cells) {
  h::Handle file = h::open_file(path);
  if (!h::is_group(file, "obs"))
    throw IoError(path + ": no obs group; the file is not an AnnData (.h5ad) file or is truncated");
  h::Handle obs = h::open_group(file, "obs");
  Metadata m;
  if (with_index) {
    m.cell_ids = detail::read_frame_index(obs);
    n_cells = m.n_cells();
  }
  for (const auto& name : detail::frame_column_names(obs)) {
    MetadataColumn c = detail::read_frame_column(obs, name);
    if (c.size() != n_cells)
      throw IoError(path + ": obs column '" + name + "' has " + std::to_string(c.size()) + " values for " +
                    std::to_string(n_cells) + " cells; the file is inconsistent");
    m.columns.push_back(std::move(c));
  }
  return m;
}

}  // namespace

Metadata read_h5ad_obs(const std::string& path) { return read_obs(path, true, 0); }

Metadata read_h5ad_obs_columns(const std::string& path, Index n_cells) { return read_obs(path, false, n_cells); }

std::vector<std::string> read_h5ad_var_names(const std::string& path, const std::string& gene_column, bool use_raw) {
  h::Handle file = h::open_file(path);
  return detail::read_var_names(file, path, gene_column, use_raw);
}

}  // namespace flashmm::io
