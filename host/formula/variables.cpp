#include <flashmm/error.hpp>

#include "util/close_names.hpp"
#include "formula/variables.hpp"
#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

namespace flashmm::detail::formula {

namespace {

using Kind = MetadataColumn::Kind;

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::numeric: return "numeric";
    case Kind::categorical: return "categorical";
    case Kind::string: return "a string (categorical) column";
    case Kind::boolean: return "a logical (TRUE/FALSE) column";
  }
  return "";
}

bool is_wrapper(const std::string& f) { return f == "factor" || f == "as.factor" || f == "C"; }

class Evaluator {
 public:
  Evaluator(const Metadata& md, const std::vector<Index>& rows, const std::string& source)
      : md_(md), rows_(rows), src_(source) {}

  // `user` names what needs a number here (a function, or arithmetic), for the message.
  std::vector<double> numeric(const Node& n, const std::string& user) {
    const std::size_t m = rows_.size();
    switch (n.kind) {
      case Node::Kind::number: return std::vector<double>(m, n.value);
      case Node::Kind::paren: return numeric(*n.args[0], user);
      case Node::Kind::name: {
        const MetadataColumn& col = *md_.find(n.text);
        std::vector<double> out(m);
        if (col.kind == Kind::numeric) {
          for (std::size_t i = 0; i < m; ++i) out[i] = col.numbers[static_cast<std::size_t>(rows_[i])];
        } else if (col.kind == Kind::boolean) {  // R coerces logicals to 0/1 in arithmetic
          for (std::size_t i = 0; i < m; ++i) out[i] = col.booleans[static_cast<std::size_t>(rows_[i])];
        } else {
          throw InputError(with_caret(user + " needs a numeric column, but `" + n.text + "` is " + kind_name(col.kind) +
                                          "; numeric functions and arithmetic apply to numeric columns only",
                                      src_, n.pos));
        }
        return out;
      }
      case Node::Kind::unary: {
        auto v = numeric(*n.args[0], user);
        if (n.text == "-")
          for (auto& x : v) x = -x;
        return v;
      }
      case Node::Kind::binary: {
        auto a = numeric(*n.args[0], user);
        const auto b = numeric(*n.args[1], user);
        const char o = n.text[0];
        for (std::size_t i = 0; i < m; ++i) {
          switch (o) {
            case '+': a[i] += b[i]; break;
            case '-': a[i] -= b[i]; break;
            case '*': a[i] *= b[i]; break;
            case '/': a[i] /= b[i]; break;
            case '^': a[i] = std::pow(a[i], b[i]); break;
            default: break;
          }
        }
        return a;
      }
      case Node::Kind::call: return call(n);
    }
    return {};
  }

  std::vector<double> call(const Node& n) {
    const std::string& f = n.text;
    const std::string user = "`" + f + "()`";
    if (f == "I") return numeric(*n.args[0], "`I()`");
    auto v = numeric(*n.args[0], user);
    if (f == "log" || f == "log2" || f == "log10") {
      domain(n, v, [](double x) { return x <= 0; }, "a non-positive value", "positive values");
      std::vector<double> base;
      if (n.args.size() == 2) base = numeric(*n.args[1], user);
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (f == "log") v[i] = base.empty() ? std::log(v[i]) : std::log(v[i]) / std::log(base[i]);
        else if (f == "log2") v[i] = std::log2(v[i]);
        else v[i] = std::log10(v[i]);
      }
    } else if (f == "log1p") {
      domain(n, v, [](double x) { return x <= -1; }, "a value <= -1", "values above -1");
      for (auto& x : v) x = std::log1p(x);
    } else if (f == "sqrt") {
      domain(n, v, [](double x) { return x < 0; }, "a negative value", "values >= 0");
      for (auto& x : v) x = std::sqrt(x);
    } else if (f == "exp") {
      for (auto& x : v) x = std::exp(x);
    } else if (f == "abs") {
      for (auto& x : v) x = std::abs(x);
    } else if (f == "scale") {
      // Centre and divide by the sd (n - 1), over all used cells, as R's scale() on the model frame.
      const double m = static_cast<double>(v.size());
      double mean = 0;
      for (double x : v) mean += x;
      mean /= m;
      double ss = 0;
      for (double x : v) ss += (x - mean) * (x - mean);
      const double sd = std::sqrt(ss / (m - 1));
      if (!(sd > 0) || !std::isfinite(sd))
        throw InputError(with_caret("`" + deparse(n) + "`: the value is constant over the " + std::to_string(v.size()) +
                                        " used cells (or there are fewer than two), so it cannot be scaled",
                                    src_, n.pos));
      for (auto& x : v) x = (x - mean) / sd;
    } else {
      throw InputError(with_caret("`" + f + "()` cannot be used in a numeric expression", src_, n.pos));
    }
    return v;
  }

  template <class Bad>
  void domain(const Node& n, const std::vector<double>& v, Bad bad, const char* what, const char* needs) {
    std::size_t count = 0, first = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (bad(v[i]) && count++ == 0) first = i;
    if (count == 0) return;
    throw InputError(with_caret("`" + deparse(n) + "`: " + std::to_string(count) + " of " + std::to_string(v.size()) +
                                    " cells have " + what + " (e.g. cell `" +
                                    md_.cell_ids[static_cast<std::size_t>(rows_[first])] + "`: " +
                                    r_format_number(v[first]) + "); `" + n.text + "()` needs " + needs,
                                src_, n.pos));
  }

  const Metadata& md_;
  const std::vector<Index>& rows_;
  const std::string& src_;
};

// Levels sorted in byte order (R in the C locale); views into the column avoid a copy per cell.
void codes_from_strings(const std::vector<std::string>& strings, const std::vector<Index>& rows, EvaluatedVariable& out) {
  std::unordered_map<std::string_view, std::int32_t> index;
  for (Index r : rows) index.emplace(strings[static_cast<std::size_t>(r)], 0);
  std::vector<std::string_view> distinct;
  distinct.reserve(index.size());
  for (const auto& kv : index) distinct.push_back(kv.first);
  std::sort(distinct.begin(), distinct.end());
  for (std::size_t k = 0; k < distinct.size(); ++k) {
    index[distinct[k]] = static_cast<std::int32_t>(k);
    out.levels.emplace_back(distinct[k]);
  }
  out.codes.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) out.codes[i] = index.at(strings[static_cast<std::size_t>(rows[i])]);
}

// A categorical variable from a column; `keep_all_logical`: a bare logical column is a factor
// with levels FALSE and TRUE whatever the data (R's model.matrix), factor() of one keeps the
// levels present.
void categorical_from_column(const MetadataColumn& col, const std::vector<Index>& rows, bool keep_all_logical,
                             EvaluatedVariable& out, std::vector<std::string>& warnings) {
  const std::size_t m = rows.size();
  if (col.kind == Kind::string) {
    codes_from_strings(col.strings, rows, out);
  } else if (col.kind == Kind::boolean) {
    bool seen[2] = {keep_all_logical, keep_all_logical};
    for (Index r : rows) seen[col.booleans[static_cast<std::size_t>(r)] ? 1 : 0] = true;
    std::int32_t code_of[2] = {-1, -1};
    for (int b = 0; b < 2; ++b)
      if (seen[b]) {
        code_of[b] = static_cast<std::int32_t>(out.levels.size());
        out.levels.push_back(b ? "TRUE" : "FALSE");
      }
    out.codes.resize(m);
    for (std::size_t i = 0; i < m; ++i) out.codes[i] = code_of[col.booleans[static_cast<std::size_t>(rows[i])] ? 1 : 0];
  } else {  // categorical: the stored order, without levels no used cell has
    std::vector<std::int32_t> remap(col.levels.size(), -1);
    for (Index r : rows) remap[static_cast<std::size_t>(col.codes[static_cast<std::size_t>(r)])] = 0;
    std::vector<std::string> dropped;
    for (std::size_t k = 0; k < remap.size(); ++k) {
      if (remap[k] < 0) {
        dropped.push_back(col.levels[k]);
        continue;
      }
      remap[k] = static_cast<std::int32_t>(out.levels.size());
      out.levels.push_back(col.levels[k]);
    }
    out.codes.resize(m);
    for (std::size_t i = 0; i < m; ++i)
      out.codes[i] = remap[static_cast<std::size_t>(col.codes[static_cast<std::size_t>(rows[i])])];
    if (!dropped.empty()) {
      // R would keep them as all-zero columns, which no fit can estimate.
      std::string w = "`" + out.label + "`: " + std::to_string(dropped.size()) +
                      " level(s) with no used cell are left out of the design: ";
      for (std::size_t k = 0; k < dropped.size() && k < 5; ++k) w += (k ? ", " : "") + dropped[k];
      if (dropped.size() > 5) w += ", ...";
      warnings.push_back(w);
    }
  }
}

}  // namespace

void collect_columns(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == Node::Kind::name) {
    out.push_back(&n);
    return;
  }
  if (n.kind == Node::Kind::call && n.text == "C") {  // C(x, treatment): the second is no column
    collect_columns(*n.args[0], out);
    return;
  }
  for (const auto& a : n.args) collect_columns(*a, out);
}

void check_columns_exist(const Variable& var, const Metadata& md, const std::string& source) {
  std::vector<const Node*> names;
  collect_columns(*var.node, names);
  for (const Node* n : names) {
    if (md.find(n->text)) continue;
    std::vector<std::string> columns;
    for (const auto& c : md.columns) columns.push_back(c.name);
    throw InputError(with_caret("no column `" + n->text + "` in the metadata" + describe_close_names(n->text, columns),
                                source, n->pos));
  }
}

EvaluatedVariable evaluate(const Variable& var, const Metadata& md, const std::vector<Index>& rows,
                           const std::string& source, std::vector<std::string>& warnings) {
  EvaluatedVariable out;
  out.label = var.label;
  const Node& n = *var.node;
  Evaluator ev(md, rows, source);
  if (n.kind == Node::Kind::name && md.find(n.text)->kind != Kind::numeric) {
    out.categorical = true;
    categorical_from_column(*md.find(n.text), rows, true, out, warnings);
    return out;
  }
  if (n.kind == Node::Kind::call && is_wrapper(n.text)) {
    out.categorical = true;
    const Node& arg = *n.args[0];
    if (arg.kind == Node::Kind::name && md.find(arg.text)->kind != Kind::numeric) {
      categorical_from_column(*md.find(arg.text), rows, false, out, warnings);
      return out;
    }
    // factor() of numbers: levels are the sorted distinct values, labelled as R prints them.
    factor_of_numbers(ev.numeric(arg, "`" + n.text + "()`"), out.levels, out.codes);
    return out;
  }
  out.values = ev.numeric(n, "`" + var.label + "`");
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < out.values.size(); ++i)
    if (!std::isfinite(out.values[i]) && bad++ == 0) first = i;
  if (bad > 0)
    throw InputError(with_caret("`" + var.label + "` is not finite (NaN or infinite) in " + std::to_string(bad) + " of " +
                                    std::to_string(out.values.size()) + " cells (e.g. cell `" +
                                    md.cell_ids[static_cast<std::size_t>(rows[first])] + "`)",
                                source, n.pos));
  return out;
}

}  // namespace flashmm::detail::formula
