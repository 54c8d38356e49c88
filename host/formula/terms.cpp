#include <flashmm/error.hpp>

#include "formula/terms.hpp"
#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace flashmm::detail::formula {

namespace {

// The functions a formula may call, with R's formal arguments (in order, for matching).
const std::map<std::string, std::vector<std::string>>& formals_table() {
  static const std::map<std::string, std::vector<std::string>> t = {
      {"log", {"x", "base"}}, {"log2", {"x"}},      {"log10", {"x"}},           {"log1p", {"x"}},
      {"exp", {"x"}},         {"sqrt", {"x"}},      {"abs", {"x"}},             {"scale", {"x"}},
      {"I", {"x"}},           {"factor", {"x", "levels"}}, {"as.factor", {"x"}}, {"C", {"object", "contr"}},
      {"relevel", {"x", "ref"}}};
  return t;
}

[[noreturn]] void fail(const std::string& what, const std::string& src, std::size_t pos) {
  throw ParseError(with_caret(what, src, pos));
}

const Node& strip_parens(const Node& n) { return n.kind == Node::Kind::paren ? strip_parens(*n.args[0]) : n; }

}  // namespace

std::vector<const Node*> function_arguments(const Node& call, const std::string& src) {
  const auto& table = formals_table();
  const auto it = table.find(call.text);
  if (it == table.end()) {
    if (call.text == "c")
      fail("`c()` can only list the levels of factor(x, levels = c(...))", src, call.pos);
    std::string list;
    for (const auto& f : known_functions()) list += (list.empty() ? "" : ", ") + f + "()";
    fail("unknown function `" + call.text + "()` in formula; supported: " + list, src, call.pos);
  }
  auto args = match_arguments(call, it->second, src);
  if (args[0] == nullptr) fail("`" + call.text + "()` needs an argument", src, call.pos);
  return args;
}

std::string level_label(const Node& literal) {
  const Node& s = strip_parens(literal);
  if (s.kind == Node::Kind::string) return s.text;
  if (s.kind == Node::Kind::number) return r_format_number(s.value);
  const double v = strip_parens(*s.args[0]).value;
  return r_format_number(s.text == "-" ? -v : v);
}

namespace {

// A literal that names a level: a string, or a (signed) number.
bool is_level_literal(const Node& n) {
  const Node& s = strip_parens(n);
  if (s.kind == Node::Kind::string || s.kind == Node::Kind::number) return true;
  return s.kind == Node::Kind::unary && (s.text == "-" || s.text == "+") && strip_parens(*s.args[0]).kind == Node::Kind::number;
}

void validate_numeric(const Node& n, const std::string& src);
void validate_categorical(const Node& n, const std::string& src);

// The variable inside a categorical call: another categorical call, a column, or numbers.
void validate_factor_argument(const Node& x, const std::string& src) {
  const Node& s = strip_parens(x);
  if (is_categorical_call(s)) {
    validate_categorical(s, src);
  } else {
    validate_numeric(s, src);
  }
}

void validate_categorical(const Node& n, const std::string& src) {
  const auto args = function_arguments(n, src);
  if (n.text == "relevel") {
    const Node& x = strip_parens(*args[0]);
    if (!(x.kind == Node::Kind::name || is_categorical_call(x)))
      fail("`relevel()` needs a factor: a column or factor(...), e.g. relevel(trt, ref = \"ctrl\")", src, x.pos);
    if (is_categorical_call(x)) validate_categorical(x, src);
    if (args[1] == nullptr) fail("`relevel()` needs the reference level: relevel(x, ref = \"ctrl\")", src, n.pos);
    if (!is_level_literal(*args[1]))
      fail("the reference level of `relevel()` must be a string (ref = \"ctrl\") or a level's position (ref = 2)", src,
           args[1]->pos);
    return;
  }
  if (n.text == "C" && args[1] != nullptr) {
    const Node& c = strip_parens(*args[1]);
    if (!(c.kind == Node::Kind::name && (c.text == "treatment" || c.text == "contr.treatment")))
      fail("only treatment contrasts are supported: write `C(x)` or `C(x, treatment)`", src, c.pos);
  }
  validate_factor_argument(*args[0], src);
  if (n.text == "factor" && args[1] != nullptr) {
    const Node& l = strip_parens(*args[1]);
    std::vector<const Node*> items;
    if (l.kind == Node::Kind::call && l.text == "c") {
      for (std::size_t k = 0; k < l.args.size(); ++k) {
        if (k < l.arg_names.size() && !l.arg_names[k].empty())
          fail("levels are listed without names: levels = c(\"a\", \"b\")", src, l.args[k]->pos);
        items.push_back(l.args[k].get());
      }
    } else {
      items.push_back(&l);
    }
    if (items.empty()) fail("`levels = c()` lists no level", src, l.pos);
    std::set<std::string> seen;
    for (const Node* item : items) {
      if (!is_level_literal(*item))
        fail("a level must be a string or a number, as in levels = c(\"ctrl\", \"treated\")", src, item->pos);
      if (!seen.insert(deparse(strip_parens(*item))).second)
        fail("level " + deparse(strip_parens(*item)) + " is listed twice", src, item->pos);
    }
  }
}

// Checks a numeric expression: known functions and their arguments, arithmetic operators only.
// Names are checked against the metadata later, where the columns are known.
void validate_numeric(const Node& n, const std::string& src) {
  switch (n.kind) {
    case Node::Kind::call:
      if (is_categorical_call(n))
        fail("`" + n.text + "()` makes a categorical variable; it cannot be part of an arithmetic expression", src, n.pos);
      for (const Node* a : function_arguments(n, src))
        if (a != nullptr) validate_numeric(*a, src);
      return;
    case Node::Kind::binary: {
      const std::string& o = n.text;
      if (!(o == "+" || o == "-" || o == "*" || o == "/" || o == "^"))
        fail("operator `" + o + "` cannot be used inside an expression (use + - * /" + " ^)", src, n.pos);
      break;
    }
    case Node::Kind::unary:
      if (n.text == "~") fail("`~` cannot be used inside an expression", src, n.pos);
      if (n.text == "!") fail("operator `!` cannot be used inside an expression (use + - * / ^)", src, n.pos);
      break;
    case Node::Kind::string:
      fail("a string cannot be part of an arithmetic expression", src, n.pos);
    default: break;
  }
  for (const auto& a : n.args) validate_numeric(*a, src);
}

Term join(const Term& a, const Term& b) {
  Term out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// R's TrimRepeats: drops empty terms and later duplicates.
std::vector<Term> trim(std::vector<Term> terms) {
  std::vector<Term> out;
  for (auto& t : terms)
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  return out;
}

std::vector<Term> concat(std::vector<Term> a, const std::vector<Term>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return trim(std::move(a));
}

std::vector<Term> interact(const std::vector<Term>& l, const std::vector<Term>& r) {
  std::vector<Term> out;
  for (const auto& a : l)
    for (const auto& b : r) out.push_back(join(a, b));
  return trim(std::move(out));
}

Term all_of(const std::vector<Term>& terms) {
  Term out;
  for (const auto& t : terms) out = join(out, t);
  return out;
}

std::string term_label(const ParsedFormula& f, const Term& t) {
  std::string label;
  for (std::size_t i = 0; i < t.size(); ++i) label += (i ? ":" : "") + f.variables[static_cast<std::size_t>(t[i])].label;
  return label;
}

// R's EncodeVars (src/library/stats/src/model.c), including its parity trick: inside the right
// side of `-`, `1` removes the intercept and `0` restores it. `top` is true for the terms of
// the formula itself (a sum), where lme4's bar terms may stand.
class Encoder {
 public:
  explicit Encoder(ParsedFormula& f) : f_(f) {}

  std::vector<Term> encode(const Node& n, bool top) {
    switch (n.kind) {
      case Node::Kind::number:
        if (n.value == 1) {
          f_.intercept = parity_;
          if (parity_) f_.explicit_intercept = true;
          return {};
        }
        if (n.value == 0) {
          f_.intercept = !parity_;
          return {};
        }
        fail("invalid term in formula: only 0 and 1 (the intercept) can stand alone as numbers", f_.source, n.pos);
      case Node::Kind::string:
        fail("a string cannot be a term of a formula (write names with spaces or symbols in back quotes: `my column`)",
             f_.source, n.pos);
      case Node::Kind::paren: return encode(*n.args[0], top);
      case Node::Kind::name:
        if (n.text == ".") fail("`.` (all other columns) is not supported: name the columns", f_.source, n.pos);
        return {{install(n)}};
      case Node::Kind::call: return {{install(n)}};
      case Node::Kind::unary:
        if (n.text == "+") return encode(*n.args[0], top);
        if (n.text == "-") return remove({}, *n.args[0]);
        if (n.text == "!") fail("operator `!` is not formula syntax", f_.source, n.pos);
        fail("`~` can appear only once, at the start of the formula", f_.source, n.pos);
      case Node::Kind::binary: break;
    }
    const std::string& o = n.text;
    if (o == "+") {
      auto l = encode(*n.args[0], top);
      return concat(std::move(l), encode(*n.args[1], top));
    }
    if (o == "-") return remove(encode(*n.args[0], top), *n.args[1]);
    if (o == ":") {
      auto l = encode(*n.args[0], false);
      return interact(l, encode(*n.args[1], false));
    }
    if (o == "*") {
      auto l = encode(*n.args[0], false);
      auto r = encode(*n.args[1], false);
      return concat(concat(l, r), interact(l, r));
    }
    if (o == "/") {  // a/b = a + a:b (b nested in a)
      auto l = encode(*n.args[0], false);
      auto r = encode(*n.args[1], false);
      return concat(l, interact({all_of(l)}, r));
    }
    if (o == "%in%") {
      auto l = encode(*n.args[0], false);
      const Term all = all_of(encode(*n.args[1], false));
      for (auto& t : l) t = join(t, all);
      return trim(std::move(l));
    }
    if (o == "^") {
      const Node& k = *n.args[1];
      if (k.kind != Node::Kind::number || k.value < 1 || k.value != std::floor(k.value))
        fail("the power of a term must be a positive whole number, as in (a + b + c)^2", f_.source, n.pos);
      const auto left = encode(*n.args[0], false);
      auto right = left;
      for (int i = 1; i < static_cast<int>(k.value); ++i) right = interact(left, right);
      return right;
    }
    if (o == "|" || o == "||") {
      if (!top)
        fail("a random-effect term such as (1 | sam) must be a term of the formula itself (... + (1 | sam)), not part "
             "of an interaction or expression",
             f_.source, n.pos);
      bar(n);
      return {};
    }
    if (o == "~") fail("a response on the left of `~` is not used: write the formula as `~ terms`", f_.source, n.pos);
    fail("operator `" + o + "` is not supported in formulas", f_.source, n.pos);
  }

 private:
  std::vector<Term> remove(std::vector<Term> left, const Node& right_node) {
    parity_ = !parity_;
    const auto right = encode(right_node, false);
    parity_ = !parity_;
    std::vector<Term> out;
    for (auto& t : left)
      if (std::find(right.begin(), right.end(), t) == right.end()) out.push_back(std::move(t));
    return out;
  }

  int install(const Node& n) {
    if (is_categorical_call(n))
      validate_categorical(n, f_.source);
    else
      validate_numeric(n, f_.source);
    std::string label = deparse(n);
    for (std::size_t i = 0; i < f_.variables.size(); ++i)
      if (f_.variables[i].label == label) return static_cast<int>(i);
    f_.variables.push_back({std::move(label), std::make_shared<const Node>(n), false});
    return static_cast<int>(f_.variables.size() - 1);
  }

  // lme4's (lhs | g): each independent piece becomes a formula of its own (terms.hpp).
  void bar(const Node& n) {
    const Node& group = strip_parens(*n.args[1]);
    if (group.kind == Node::Kind::binary && (group.text == ":" || group.text == "/"))
      fail("grouping by a combination of columns is not supported: make a column that holds the combined label "
           "(in R, interaction(a, b)) and group by it",
           f_.source, group.pos);
    if (!(group.kind == Node::Kind::name || is_categorical_call(group)))
      fail("the grouping factor on the right of `" + n.text + "` must be a column, e.g. (1 | sam)", f_.source, group.pos);
    if (is_categorical_call(group)) validate_categorical(group, f_.source);
    const std::string g = deparse(group);

    ParsedFormula lhs;
    lhs.source = f_.source;
    Encoder sub(lhs);
    std::vector<Term> terms = sub.encode(*n.args[0], false);
    std::stable_sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.size() < b.size(); });
    std::string written = deparse(*n.args[0]);
    written.insert(0, 1, '(').append(" ").append(n.text).append(" ").append(g).append(")");

    // The independent form of the same effects, for messages.
    std::string independent;
    if (lhs.intercept) independent = "(1 | " + g + ")";
    for (const auto& t : terms) independent += (independent.empty() ? "" : " + ") + ("(0 + " + term_label(lhs, t) + " | " + g + ")");

    if (lhs.intercept && terms.empty()) {
      add_bar(lhs, {}, group, g);
    } else if (!lhs.intercept && terms.empty()) {
      fail("`" + written + "` has no term on the left of `" + n.text + "`: write (1 | " + g + ") for a random intercept per level of " + g,
           f_.source, n.pos);
    } else if (n.text == "|" && !(terms.size() == 1 && !lhs.intercept)) {
      fail("`" + written + "` asks for correlated random effects (lme4 estimates their covariance), but FLASHMM's model has "
           "independent variance components, one per term: write " + independent,
           f_.source, n.pos);
    } else {
      if (lhs.intercept) add_bar(lhs, {}, group, g);
      for (const auto& t : terms) add_bar(lhs, t, group, g);
    }
  }

  // One component: the term's variables (none for an intercept) times the grouping factor.
  void add_bar(const ParsedFormula& lhs, const Term& term, const Node& group, const std::string& g) {
    ParsedFormula b;
    b.source = f_.source;
    b.intercept = false;
    Term all;
    for (int v : term) {
      b.variables.push_back(lhs.variables[static_cast<std::size_t>(v)]);
      all.push_back(static_cast<int>(b.variables.size() - 1));
    }
    b.variables.push_back({g, std::make_shared<const Node>(group), true});
    all.push_back(static_cast<int>(b.variables.size() - 1));
    b.terms.push_back(all);
    b.term_labels.push_back(term_label(b, all));
    f_.bars.push_back(std::move(b));
    f_.bar_names.push_back(term.empty() ? g : term_label(lhs, term) + "|" + g);
  }

  ParsedFormula& f_;
  bool parity_ = true;
};

}  // namespace

const std::vector<std::string>& known_functions() {
  static const std::vector<std::string> names = {"log",   "log2", "log10",  "log1p",     "exp", "sqrt",   "abs",
                                                 "scale", "I",    "factor", "as.factor", "C",   "relevel"};
  return names;
}

bool is_categorical_call(const Node& n) {
  return n.kind == Node::Kind::call &&
         (n.text == "factor" || n.text == "as.factor" || n.text == "C" || n.text == "relevel");
}

ParsedFormula parse_terms(const std::string& source) {
  ParsedFormula f;
  f.source = source;
  NodePtr root = parse(source);
  const Node* rhs = root.get();
  if (root->kind == Node::Kind::unary && root->text == "~") {
    rhs = root->args[0].get();
  } else if (root->kind == Node::Kind::binary && root->text == "~") {
    fail("a response on the left of `~` is not used: write the formula as `~ terms`", source, root->pos);
  }
  Encoder enc(f);
  std::vector<Term> terms = enc.encode(*rhs, true);
  // R orders terms by degree, keeping the order of appearance within a degree.
  std::stable_sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.size() < b.size(); });
  f.terms = std::move(terms);
  for (const auto& t : f.terms) f.term_labels.push_back(term_label(f, t));
  return f;
}

}  // namespace flashmm::detail::formula
