#include <flashmm/error.hpp>

#include "formula/ast.hpp"
#include "formula/subset.hpp"
#include "util/close_names.hpp"
#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace flashmm::detail::formula {

namespace {

using Kind = MetadataColumn::Kind;
using Logical = std::vector<std::int8_t>;  // 1 TRUE, 0 FALSE, -1 NA

constexpr const char* kWhat = "cell subset";

const Node& strip(const Node& n) { return n.kind == Node::Kind::paren ? strip(*n.args[0]) : n; }

bool is_logical_literal(const Node& n) { return n.kind == Node::Kind::name && (n.text == "TRUE" || n.text == "FALSE"); }

// A value a comparison may use: a column, or a literal (string, number, TRUE/FALSE).
struct Operand {
  const MetadataColumn* column = nullptr;
  bool is_number = false, is_string = false, is_logical = false;
  double number = 0;
  std::string label;  // the literal as text, as R's as.character gives it
  std::size_t pos = 0;
};

class SubsetEvaluator {
 public:
  SubsetEvaluator(const std::string& source, const Metadata& md) : src_(source), md_(md), n_(md.cell_ids.size()) {}

  Logical condition(const Node& node) {
    const Node& n = strip(node);
    if (n.kind == Node::Kind::unary && n.text == "!") {
      Logical v = condition(*n.args[0]);
      for (auto& x : v) x = x < 0 ? -1 : static_cast<std::int8_t>(1 - x);
      return v;
    }
    if (n.kind == Node::Kind::binary) {
      const std::string& o = n.text;
      if (o == "&" || o == "&&" || o == "|" || o == "||") {
        Logical a = condition(*n.args[0]);
        const Logical b = condition(*n.args[1]);
        const bool conj = o[0] == '&';
        for (std::size_t i = 0; i < n_; ++i) {
          // R: FALSE & NA is FALSE, TRUE | NA is TRUE, otherwise NA wins.
          const std::int8_t x = a[i], y = b[i];
          if (conj)
            a[i] = (x == 0 || y == 0) ? 0 : (x < 0 || y < 0) ? -1 : 1;
          else
            a[i] = (x == 1 || y == 1) ? 1 : (x < 0 || y < 0) ? -1 : 0;
        }
        return a;
      }
      if (o == "==" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=") return compare(n);
      if (o == "%in%") return in(n);
      fail("operator `" + o + "` cannot be used in a cell subset; compare columns with == != < <= > >= or %in%, and "
           "combine conditions with & | !",
           n.pos);
    }
    if (n.kind == Node::Kind::call) {
      if (n.text == "is.na" && n.args.size() == 1 && n.arg_names[0].empty()) {
        const Operand a = operand(*n.args[0]);
        if (a.column == nullptr) fail("`is.na()` takes a column", n.pos);
        Logical v(n_);
        for (std::size_t i = 0; i < n_; ++i) v[i] = a.column->is_missing(static_cast<Index>(i)) ? 1 : 0;
        return v;
      }
      fail("function `" + n.text + "()` cannot be used in a cell subset (only is.na(column))", n.pos);
    }
    if (is_logical_literal(n)) return Logical(n_, n.text == "TRUE" ? 1 : 0);
    if (n.kind == Node::Kind::name) {
      const MetadataColumn& col = column(n);
      if (col.kind != Kind::boolean)
        fail("`" + n.text + "` is not a logical (TRUE/FALSE) column, so it is no condition by itself; compare it, e.g. " +
                 n.text + " == \"value\"",
             n.pos);
      Logical v(n_);
      for (std::size_t i = 0; i < n_; ++i)
        v[i] = col.is_missing(static_cast<Index>(i)) ? -1 : static_cast<std::int8_t>(col.booleans[i] != 0);
      return v;
    }
    fail("expected a condition, such as cls == \"3\" or trt %in% c(\"A\", \"B\")", n.pos);
  }

  std::vector<std::string> hints;  // literals no cell has, for the message when nothing is selected

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t pos) const {
    throw ParseError(with_caret(what, src_, pos));
  }

  const MetadataColumn& column(const Node& n) const {
    const MetadataColumn* c = md_.find(n.text);
    if (c != nullptr) return *c;
    std::vector<std::string> names;
    for (const auto& col : md_.columns) names.push_back(col.name);
    throw InputError(with_caret("cell subset: no column `" + n.text + "` in the metadata" + describe_close_names(n.text, names),
                                src_, n.pos));
  }

  Operand operand(const Node& node) const {
    const Node& n = strip(node);
    Operand o;
    o.pos = n.pos;
    if (n.kind == Node::Kind::string) {
      o.is_string = true;
      o.label = n.text;
    } else if (n.kind == Node::Kind::number ||
               (n.kind == Node::Kind::unary && (n.text == "-" || n.text == "+") && strip(*n.args[0]).kind == Node::Kind::number)) {
      o.is_number = true;
      o.number = n.kind == Node::Kind::number ? n.value : (n.text == "-" ? -1 : 1) * strip(*n.args[0]).value;
      o.label = r_format_number(o.number);
    } else if (is_logical_literal(n)) {
      o.is_logical = true;
      o.number = n.text == "TRUE" ? 1 : 0;
      o.label = n.text;
    } else if (n.kind == Node::Kind::name) {
      o.column = &column(n);
    } else if (n.kind == Node::Kind::call) {
      fail("function `" + n.text + "()` cannot be used in a cell subset (only is.na(column))", n.pos);
    } else {
      fail("expected a column, a string or a number here (arithmetic is not supported in a cell subset)", n.pos);
    }
    return o;
  }

  // A column's value in row i as a number (numeric and logical columns), NaN when missing.
  static double number_at(const MetadataColumn& c, std::size_t i) {
    if (c.is_missing(static_cast<Index>(i))) return std::nan("");
    return c.kind == Kind::numeric ? c.numbers[i] : static_cast<double>(c.booleans[i]);
  }
  // ... and as text, as R's as.character gives it; false when missing.
  static bool label_at(const MetadataColumn& c, std::size_t i, std::string& out) {
    if (c.is_missing(static_cast<Index>(i))) return false;
    switch (c.kind) {
      case Kind::numeric: out = r_format_number(c.numbers[i]); break;
      case Kind::categorical: out = c.levels[static_cast<std::size_t>(c.codes[i])]; break;
      case Kind::string: out = c.strings[i]; break;
      case Kind::boolean: out = c.booleans[i] ? "TRUE" : "FALSE"; break;
    }
    return true;
  }
  static bool numeric_kind(const Operand& o) {
    return o.column ? (o.column->kind == Kind::numeric || o.column->kind == Kind::boolean) : (o.is_number || o.is_logical);
  }

  Logical compare(const Node& n) {
    const std::string& op = n.text;
    Operand a = operand(*n.args[0]), b = operand(*n.args[1]);
    if (a.column == nullptr && b.column == nullptr) fail("a comparison in a cell subset needs a column", n.pos);
    const bool numeric = numeric_kind(a) && numeric_kind(b);
    const bool ordering = op != "==" && op != "!=";
    if (ordering && !numeric) {
      const Operand& text = numeric_kind(a) ? b : a;
      fail("`" + op + "` compares numbers, but " +
               (text.column ? "`" + text.column->name + "` is not numeric" : std::string("\"") + text.label + "\" is text") +
               "; compare text with == != or %in%",
           n.pos);
    }
    enum class Op { eq, ne, lt, le, gt, ge };
    const Op o = op == "==" ? Op::eq : op == "!=" ? Op::ne : op == "<" ? Op::lt : op == "<=" ? Op::le : op == ">" ? Op::gt : Op::ge;
    // A categorical column against a literal: each level is compared once, not each cell.
    const Operand* cat = !numeric && a.column && !b.column && a.column->kind == Kind::categorical   ? &a
                         : !numeric && b.column && !a.column && b.column->kind == Kind::categorical ? &b
                                                                                                     : nullptr;
    std::vector<std::int8_t> level_equal;
    if (cat != nullptr)
      for (const auto& l : cat->column->levels) level_equal.push_back(l == (cat == &a ? b.label : a.label) ? 1 : 0);
    Logical v(n_);
    std::string la, lb;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      int c = 0;  // -1 less, 0 equal, 1 greater; 2: NA
      if (cat != nullptr) {
        const auto code = cat->column->codes[i];
        c = code < 0 ? 2 : level_equal[static_cast<std::size_t>(code)] ? 0 : 1;
      } else if (numeric) {
        const double x = a.column ? number_at(*a.column, i) : a.number, y = b.column ? number_at(*b.column, i) : b.number;
        c = (std::isnan(x) || std::isnan(y)) ? 2 : x < y ? -1 : x > y ? 1 : 0;
      } else {
        const bool ha = a.column ? label_at(*a.column, i, la) : (la = a.label, true);
        const bool hb = b.column ? label_at(*b.column, i, lb) : (lb = b.label, true);
        c = (!ha || !hb) ? 2 : la == lb ? 0 : 1;
      }
      if (c == 2) {
        v[i] = -1;
        continue;
      }
      bool r = false;
      switch (o) {
        case Op::eq: r = c == 0; break;
        case Op::ne: r = c != 0; break;
        case Op::lt: r = c < 0; break;
        case Op::le: r = c <= 0; break;
        case Op::gt: r = c > 0; break;
        case Op::ge: r = c >= 0; break;
      }
      v[i] = r ? 1 : 0;
      hits += c == 0;
    }
    if (op == "==" && hits == 0 && (a.column == nullptr) != (b.column == nullptr))
      note_absent(a.column ? *a.column : *b.column, {a.column ? b.label : a.label});
    return v;
  }

  Logical in(const Node& n) {
    const Operand a = operand(*n.args[0]);
    if (a.column == nullptr) fail("the left side of %in% must be a column, as in trt %in% c(\"A\", \"B\")", n.pos);
    const Node& set = strip(*n.args[1]);
    std::vector<Operand> items;
    if (set.kind == Node::Kind::call && set.text == "c") {
      for (const auto& item : set.args) items.push_back(operand(*item));
    } else {
      items.push_back(operand(set));
    }
    std::set<std::string> labels;
    std::vector<double> numbers;
    const bool numeric_col = numeric_kind(a);
    bool all_numbers = true;
    for (const auto& it : items) {
      if (it.column) fail("%in% takes a list of values, as in c(\"A\", \"B\")", it.pos);
      labels.insert(it.label);
      all_numbers = all_numbers && (it.is_number || it.is_logical);
      numbers.push_back(it.number);
    }
    std::vector<std::int8_t> level_in;  // a categorical column: each level looked up once
    if (a.column->kind == Kind::categorical)
      for (const auto& lv : a.column->levels) level_in.push_back(labels.count(lv) ? 1 : 0);
    Logical v(n_);
    std::string l;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      bool r;
      if (!level_in.empty()) {
        const auto code = a.column->codes[i];
        r = code >= 0 && level_in[static_cast<std::size_t>(code)] != 0;
      } else if (numeric_col && all_numbers) {
        const double x = number_at(*a.column, i);
        r = std::find(numbers.begin(), numbers.end(), x) != numbers.end();
      } else {
        // R's %in% is match(): a missing value is FALSE, not NA (unless NA is listed).
        r = label_at(*a.column, i, l) && labels.count(l) > 0;
      }
      v[i] = r ? 1 : 0;
      hits += r;
    }
    if (hits == 0) note_absent(*a.column, {labels.begin(), labels.end()});
    return v;
  }

  void note_absent(const MetadataColumn& col, const std::vector<std::string>& wanted) {
    std::set<std::string> values;
    std::string l;
    for (std::size_t i = 0; i < n_ && values.size() <= 10; ++i)
      if (label_at(col, i, l)) values.insert(l);
    std::string have;
    std::size_t k = 0;
    for (const auto& v : values) {
      if (k++ == 10) {
        have += ", ...";
        break;
      }
      have += (have.empty() ? "" : ", ") + ("\"" + v + "\"");
    }
    std::string want;
    for (const auto& w : wanted) want += (want.empty() ? "" : ", ") + ("\"" + w + "\"");
    hints.push_back("no cell has `" + col.name + "` " + want + " (its values: " + have + ")");
  }

  const std::string& src_;
  const Metadata& md_;
  std::size_t n_;
};

void names_in(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Node::Kind::name && !is_logical_literal(n)) {
    if (std::find(out.begin(), out.end(), n.text) == out.end()) out.push_back(n.text);
    return;
  }
  if (n.kind == Node::Kind::call && n.text == "c") return;  // literals
  for (const auto& a : n.args) names_in(*a, out);
}

}  // namespace

std::vector<std::int8_t> evaluate_subset(const std::string& condition, const Metadata& md) {
  const NodePtr root = parse(condition, kWhat);
  SubsetEvaluator ev(condition, md);
  Logical v = ev.condition(*root);
  if (std::none_of(v.begin(), v.end(), [](std::int8_t x) { return x == 1; })) {
    std::string msg = "the cell subset `" + condition + "` selects none of the " + std::to_string(md.n_cells()) + " cells";
    for (const auto& h : ev.hints) msg += "; " + h;
    throw InputError(msg);
  }
  return v;
}

std::vector<std::string> subset_columns(const std::string& condition) {
  std::vector<std::string> out;
  names_in(*parse(condition, kWhat), out);
  return out;
}

}  // namespace flashmm::detail::formula
