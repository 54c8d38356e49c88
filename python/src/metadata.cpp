#include "metadata.hpp"

#include <flashmm/error.hpp>

#include "util/r_format.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace flashmm::python {

namespace {

template <class T>
std::vector<T> to_vector(const py::handle& h) {
  const auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a || a.ndim() != 1) throw InputError("internal: a metadata column must be a 1-D array");
  return {a.data(), a.data() + a.size()};
}

}  // namespace

Metadata make_metadata(std::vector<std::string> cell_ids, const py::list& columns) {
  using Kind = MetadataColumn::Kind;
  Metadata m;
  m.cell_ids = std::move(cell_ids);
  for (const auto& item : columns) {
    const auto spec = item.cast<py::tuple>();
    const auto kind = spec[0].cast<std::string>();
    MetadataColumn c;
    c.name = spec[1].cast<std::string>();
    if (kind == "numeric") {
      c.kind = Kind::numeric;
      c.numbers = to_vector<double>(spec[2]);
    } else if (kind == "categorical" || kind == "categorical_numbers") {
      c.kind = Kind::categorical;
      c.codes = to_vector<std::int32_t>(spec[2]);
      if (kind == "categorical") {
        c.levels = spec[3].cast<std::vector<std::string>>();
      } else {
        for (double x : to_vector<double>(spec[3])) c.levels.push_back(detail::r_format_number(x));
      }
    } else if (kind == "string") {
      c.kind = Kind::string;
      const auto values = spec[2].cast<py::list>();
      c.strings.reserve(values.size());
      c.missing.assign(values.size(), 0);
      bool any_missing = false;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i].is_none()) {
          c.strings.emplace_back();
          c.missing[i] = 1;
          any_missing = true;
        } else {
          c.strings.push_back(values[i].cast<std::string>());
        }
      }
      if (!any_missing) c.missing.clear();
    } else if (kind == "boolean") {
      c.kind = Kind::boolean;
      c.booleans = to_vector<std::uint8_t>(spec[2]);
      if (!spec[3].is_none()) c.missing = to_vector<std::uint8_t>(spec[3]);
    } else {
      throw InputError("internal: unknown metadata column kind '" + kind + "'");
    }
    if (c.size() != m.n_cells())
      throw InputError("obs column '" + c.name + "' has " + std::to_string(c.size()) + " values for " +
                       std::to_string(m.n_cells()) + " cells");
    m.columns.push_back(std::move(c));
  }
  return m;
}

}  // namespace flashmm::python
