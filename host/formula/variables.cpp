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

std::string kind_name(const MetadataColumn& col) {
  switch (col.kind) {
    case Kind::numeric: return "numeric";
    case Kind::categorical: return "categorical";
    case Kind::string:
      return "a string (categorical) column" + (col.type_note.empty() ? std::string() : " (" + col.type_note + ")");
    case Kind::boolean: return "a logical (TRUE/FALSE) column";
  }
  return "";
}

const Node& strip(const Node& n) { return n.kind == Node::Kind::paren ? strip(*n.args[0]) : n; }

// A factor over the evaluated cells: its levels in order and one code per cell.
struct Factor {
  std::vector<std::string> levels;
  std::vector<std::int32_t> codes;
};

// Levels sorted in byte order (R in the C locale); views into the column avoid a copy per cell.
Factor factor_of_strings(const std::vector<std::string>& strings, const std::vector<Index>& rows) {
  Factor out;
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
  return out;
}

// Keeps the levels some cell has, in order; returns the ones left out.
std::vector<std::string> drop_unused(Factor& f) {
  std::vector<std::int32_t> remap(f.levels.size(), -1);
  for (auto c : f.codes) remap[static_cast<std::size_t>(c)] = 0;
  std::vector<std::string> kept, dropped;
  for (std::size_t k = 0; k < remap.size(); ++k) {
    if (remap[k] < 0) {
      dropped.push_back(std::move(f.levels[k]));
      continue;
    }
    remap[k] = static_cast<std::int32_t>(kept.size());
    kept.push_back(std::move(f.levels[k]));
  }
  for (auto& c : f.codes) c = remap[static_cast<std::size_t>(c)];
  f.levels = std::move(kept);
  return dropped;
}

std::string list_levels(const std::vector<std::string>& levels) {
  std::string out;
  for (std::size_t k = 0; k < levels.size() && k < 10; ++k) out += (k ? ", " : "") + ("`" + levels[k] + "`");
  if (levels.size() > 10) out += ", ... (" + std::to_string(levels.size()) + " in all)";
  return out;
}

class Evaluator {
 public:
  Evaluator(const Metadata& md, const std::vector<Index>& rows, const std::string& source, const EvaluateOptions& opt)
      : md_(md), rows_(rows), src_(source), opt_(opt) {}

  // `user` names what needs a number here (a function, or arithmetic), for the message.
  std::vector<double> numeric(const Node& n, const std::string& user) {
    const std::size_t m = rows_.size();
    switch (n.kind) {
      case Node::Kind::number: return std::vector<double>(m, n.value);
      case Node::Kind::paren: return numeric(*n.args[0], user);
      case Node::Kind::name: {
        const MetadataColumn* col = md_.find(n.text);
        std::vector<double> out(m);
        if (col == nullptr) {  // a column given with the cells (checked to exist)
          for (const auto& e : opt_.extra)
            if (e.name == n.text) std::copy(e.values.begin(), e.values.begin() + static_cast<std::ptrdiff_t>(m), out.begin());
          return out;
        }
        if (col->kind == Kind::numeric) {
          for (std::size_t i = 0; i < m; ++i) out[i] = col->numbers[static_cast<std::size_t>(rows_[i])];
        } else if (col->kind == Kind::boolean) {  // R coerces logicals to 0/1 in arithmetic
          for (std::size_t i = 0; i < m; ++i) out[i] = col->booleans[static_cast<std::size_t>(rows_[i])];
        } else {
          throw InputError(with_caret(user + " needs a numeric column, but `" + n.text + "` is " + kind_name(*col) +
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
      case Node::Kind::string: break;  // refused when the formula is parsed
    }
    return {};
  }

  std::vector<double> call(const Node& n) {
    const std::string& f = n.text;
    const std::string user = "`" + f + "()`";
    const auto args = function_arguments(n, src_);
    if (f == "I") return numeric(*args[0], "`I()`");
    auto v = numeric(*args[0], user);
    if (f == "log" || f == "log2" || f == "log10") {
      domain(n, v, [](double x) { return x <= 0; }, "a non-positive value", "positive values");
      std::vector<double> base;
      if (args.size() > 1 && args[1] != nullptr) base = numeric(*args[1], user);
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
    throw InputError(with_caret("`" + deparse(n) + "`: " + of_cells(count, v.size()) + " have " + what + " (e.g. " +
                                    cell(first) + ": " + r_format_number(v[first]) + "); `" + n.text + "()` needs " + needs,
                                src_, n.pos));
  }

  std::string cell(std::size_t i) const {
    if (opt_.cell_name) return opt_.cell_name(i);
    return "cell `" + md_.cell_ids[static_cast<std::size_t>(rows_[i])] + "`";
  }
  std::string of_cells(std::size_t count, std::size_t total) const {
    return std::to_string(count) + " of " + std::to_string(total) + " cells" + opt_.scope;
  }

  // A categorical expression: a column, factor(), as.factor(), C(), relevel() (terms.cpp checks
  // their shape). `bare` is a column standing alone as a variable: a logical one then keeps
  // both levels, FALSE and TRUE, whatever the data (R's model.matrix).
  Factor factor(const Node& node, bool bare) {
    const Node& n = strip(node);
    if (n.kind == Node::Kind::name) {
      const MetadataColumn* col = md_.find(n.text);
      if (col == nullptr)
        throw InputError(with_caret("`" + n.text + "` is computed from the expression data cell by cell, so it cannot be "
                                        "a factor here; add it to the metadata",
                                    src_, n.pos));
      return column_factor(*col, bare);
    }
    if (!is_categorical_call(n)) return numbers_factor(numeric(n, "`factor()`"));
    const auto args = function_arguments(n, src_);
    const Node& x = strip(*args[0]);
    if (n.text == "relevel") {
      if (x.kind == Node::Kind::name && md_.find(x.text) != nullptr && md_.find(x.text)->kind == Kind::numeric)
        throw InputError(with_caret("`relevel()` needs a factor, but `" + x.text + "` is numeric: write relevel(factor(" +
                                        x.text + "), ref = ...)",
                                    src_, x.pos));
      Factor f = factor(x, false);
      relevel(f, *args[1], n);
      return f;
    }
    Factor f = (x.kind == Node::Kind::name || is_categorical_call(x)) ? factor(x, false)
                                                                      : numbers_factor(numeric(x, "`" + n.text + "()`"));
    if (n.text == "factor" && args[1] != nullptr) {
      set_levels(f, *args[1], n);
    } else if (n.text == "factor") {
      drop_unused(f);  // factor(f) keeps the levels present, in f's order (R)
    }
    return f;
  }

  Factor numbers_factor(const std::vector<double>& v) {
    Factor f;
    factor_of_numbers(v, f.levels, f.codes);
    return f;
  }

  Factor column_factor(const MetadataColumn& col, bool bare) {
    Factor f;
    const std::size_t m = rows_.size();
    switch (col.kind) {
      case Kind::string: return factor_of_strings(col.strings, rows_);
      case Kind::numeric: {
        std::vector<double> v(m);
        for (std::size_t i = 0; i < m; ++i) v[i] = col.numbers[static_cast<std::size_t>(rows_[i])];
        return numbers_factor(v);
      }
      case Kind::boolean: {
        bool seen[2] = {bare, bare};
        for (Index r : rows_) seen[col.booleans[static_cast<std::size_t>(r)] ? 1 : 0] = true;
        std::int32_t code_of[2] = {-1, -1};
        for (int b = 0; b < 2; ++b)
          if (seen[b]) {
            code_of[b] = static_cast<std::int32_t>(f.levels.size());
            f.levels.push_back(b ? "TRUE" : "FALSE");
          }
        f.codes.resize(m);
        for (std::size_t i = 0; i < m; ++i) f.codes[i] = code_of[col.booleans[static_cast<std::size_t>(rows_[i])] ? 1 : 0];
        return f;
      }
      case Kind::categorical:
        f.levels = col.levels;
        f.codes.resize(m);
        for (std::size_t i = 0; i < m; ++i) f.codes[i] = col.codes[static_cast<std::size_t>(rows_[i])];
        return f;
    }
    return f;
  }

  // factor(x, levels = c(...)): the levels in the order given, matched by label as R's factor()
  // matches as.character(x).
  void set_levels(Factor& f, const Node& levels_node, const Node& call) {
    const Node& l = strip(levels_node);
    std::vector<std::string> wanted;
    if (l.kind == Node::Kind::call)
      for (const auto& a : l.args) wanted.push_back(level_label(*a));
    else
      wanted.push_back(level_label(l));
    std::unordered_map<std::string, std::int32_t> index;
    for (std::size_t k = 0; k < wanted.size(); ++k)
      if (!index.emplace(wanted[k], static_cast<std::int32_t>(k)).second)
        throw InputError(with_caret("`" + deparse(call) + "`: level `" + wanted[k] + "` is listed twice", src_, l.pos));
    std::vector<std::int32_t> remap(f.levels.size(), -1);
    for (std::size_t k = 0; k < f.levels.size(); ++k)
      if (auto it = index.find(f.levels[k]); it != index.end()) remap[k] = it->second;
    std::size_t missing = 0, first = 0;
    std::vector<std::string> absent;
    for (std::size_t i = 0; i < f.codes.size(); ++i) {
      const auto c = static_cast<std::size_t>(f.codes[i]);
      if (remap[c] >= 0) continue;
      if (missing++ == 0) first = i;
      if (std::find(absent.begin(), absent.end(), f.levels[c]) == absent.end()) absent.push_back(f.levels[c]);
    }
    if (missing > 0)
      throw InputError(with_caret("`" + deparse(call) + "`: " + of_cells(missing, f.codes.size()) +
                                      " have a value that is not among the levels (" + list_levels(absent) + "; e.g. " +
                                      cell(first) + "); list every level, or leave those cells out with a cell subset",
                                  src_, call.pos));
    for (auto& c : f.codes) c = remap[static_cast<std::size_t>(c)];
    f.levels = std::move(wanted);
  }

  // relevel(f, ref): the reference level first, the others in their order. A number is a
  // level's position (R's relevel with a numeric ref).
  void relevel(Factor& f, const Node& ref_node, const Node& call) {
    const Node& r = strip(ref_node);
    std::size_t ref = f.levels.size();
    if (r.kind == Node::Kind::string) {
      ref = static_cast<std::size_t>(std::find(f.levels.begin(), f.levels.end(), r.text) - f.levels.begin());
      if (ref == f.levels.size())
        throw InputError(with_caret("`" + deparse(call) + "`: `" + r.text + "` is not a level; the levels are " +
                                        list_levels(f.levels) + describe_close_names(r.text, f.levels),
                                    src_, r.pos));
    } else {
      const double k = r.kind == Node::Kind::number ? r.value : -strip(*r.args[0]).value;
      if (k != std::floor(k) || k < 1 || k > static_cast<double>(f.levels.size()))
        throw InputError(with_caret("`" + deparse(call) + "`: a number as ref is the position of a level (as in R), "
                                        "from 1 to " + std::to_string(f.levels.size()) + "; to name a level write it "
                                        "as a string: ref = \"" + level_label(r) + "\"",
                                    src_, r.pos));
      ref = static_cast<std::size_t>(k) - 1;
    }
    std::vector<std::int32_t> remap(f.levels.size());
    std::vector<std::string> levels{f.levels[ref]};
    remap[ref] = 0;
    for (std::size_t k = 0; k < f.levels.size(); ++k)
      if (k != ref) {
        remap[k] = static_cast<std::int32_t>(levels.size());
        levels.push_back(f.levels[k]);
      }
    for (auto& c : f.codes) c = remap[static_cast<std::size_t>(c)];
    f.levels = std::move(levels);
  }

 private:
  const Metadata& md_;
  const std::vector<Index>& rows_;
  const std::string& src_;
  const EvaluateOptions& opt_;
};

bool uses_scale(const Node& n) {
  if (n.kind == Node::Kind::call && n.text == "scale") return true;
  return std::any_of(n.args.begin(), n.args.end(), [](const NodePtr& a) { return uses_scale(*a); });
}

}  // namespace

void collect_columns(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == Node::Kind::name) {
    out.push_back(&n);
    return;
  }
  if (n.kind == Node::Kind::call && (n.text == "C" || n.text == "relevel" || n.text == "factor")) {
    // Only the first argument reads columns (C's contrasts, relevel's ref and factor's levels do not).
    const std::string formal = n.text == "C" ? "object" : "x";
    std::size_t k = n.args.size();
    for (std::size_t i = 0; i < n.args.size() && k == n.args.size(); ++i)
      if (n.arg_names[i] == formal) k = i;
    for (std::size_t i = 0; i < n.args.size() && k == n.args.size(); ++i)
      if (n.arg_names[i].empty()) k = i;
    if (k < n.args.size()) collect_columns(*n.args[k], out);
    return;
  }
  for (const auto& a : n.args) collect_columns(*a, out);
}

void check_columns_exist(const Variable& var, const Metadata& md, const std::string& source,
                         std::span<const std::string> also) {
  std::vector<const Node*> names;
  collect_columns(*var.node, names);
  for (const Node* n : names) {
    if (md.find(n->text) || std::find(also.begin(), also.end(), n->text) != also.end()) continue;
    std::vector<std::string> columns;
    for (const auto& c : md.columns) columns.push_back(c.name);
    throw InputError(with_caret("no column `" + n->text + "` in the metadata" + describe_close_names(n->text, columns),
                                source, n->pos));
  }
}

bool is_per_cell(const Variable& var) {
  return !var.grouping && !is_categorical_call(*var.node) && !uses_scale(*var.node);
}

EvaluatedVariable evaluate(const Variable& var, const Metadata& md, const std::vector<Index>& rows,
                           const std::string& source, std::vector<std::string>& warnings,
                           const EvaluateOptions& options) {
  EvaluatedVariable out;
  out.label = var.label;
  const Node& n = *var.node;
  Evaluator ev(md, rows, source, options);
  const bool categorical_column = n.kind == Node::Kind::name && md.find(n.text) != nullptr &&
                                  md.find(n.text)->kind != Kind::numeric;
  if (var.grouping || categorical_column || is_categorical_call(n)) {
    out.categorical = true;
    Factor f = ev.factor(n, n.kind == Node::Kind::name && !var.grouping);
    const bool keep_all = n.kind == Node::Kind::name && !var.grouping && md.find(n.text)->kind == Kind::boolean;
    if (!keep_all) {
      const auto dropped = drop_unused(f);
      if (!dropped.empty() && options.warn_unused_levels)
        // R would keep them as all-zero columns, which no fit can estimate.
        warnings.push_back("`" + out.label + "`: " + std::to_string(dropped.size()) +
                           " level(s) with no used cell are left out of the design: " + list_levels(dropped));
    }
    out.levels = std::move(f.levels);
    out.codes = std::move(f.codes);
    return out;
  }
  out.values = ev.numeric(n, "`" + var.label + "`");
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < out.values.size(); ++i)
    if (!std::isfinite(out.values[i]) && bad++ == 0) first = i;
  if (bad > 0)
    throw InputError(with_caret("`" + var.label + "` is not finite (NaN or infinite) in " + ev.of_cells(bad, out.values.size()) +
                                    " (e.g. " + ev.cell(first) + ")",
                                source, n.pos));
  return out;
}

}  // namespace flashmm::detail::formula
