#include <flashmm/error.hpp>

#include "formula/terms.hpp"

#include <algorithm>
#include <cmath>

namespace flashmm::detail::formula {

const std::vector<std::string>& known_functions() {
  static const std::vector<std::string> names = {"log",  "log2",  "log10",     "log1p", "exp", "sqrt",
                                                 "abs",  "scale", "I",         "factor", "as.factor", "C"};
  return names;
}

namespace {

bool is_categorical_wrapper(const std::string& f) { return f == "factor" || f == "as.factor" || f == "C"; }

// Checks the calls inside a variable: known functions, argument counts. Names are checked
// against the metadata later, where the columns are known.
void validate(const Node& n, const std::string& src, bool top) {
  if (n.kind == Node::Kind::call) {
    const auto& known = known_functions();
    if (std::find(known.begin(), known.end(), n.text) == known.end()) {
      std::string list;
      for (std::size_t i = 0; i < known.size(); ++i) list += (i ? ", " : "") + known[i] + "()";
      throw ParseError(with_caret("unknown function `" + n.text + "()` in formula; supported: " + list, src, n.pos));
    }
    if (is_categorical_wrapper(n.text) && !top)
      throw ParseError(with_caret("`" + n.text + "()` makes a categorical variable; it cannot be part of an arithmetic expression", src, n.pos));
    const std::size_t max_args = n.text == "log" || n.text == "C" ? 2 : 1;
    if (n.args.empty() || n.args.size() > max_args)
      throw ParseError(with_caret("`" + n.text + "()` takes " + (max_args == 1 ? "one argument" : "one or two arguments"), src, n.pos));
    if (n.text == "C" && n.args.size() == 2) {
      const Node& c = *n.args[1];
      if (!(c.kind == Node::Kind::name && (c.text == "treatment" || c.text == "contr.treatment")))
        throw ParseError(with_caret("only treatment contrasts are supported: write `C(x)` or `C(x, treatment)`", src, c.pos));
      validate(*n.args[0], src, false);
      return;
    }
    for (const auto& a : n.args) validate(*a, src, false);
    return;
  }
  if (n.kind == Node::Kind::binary) {
    const std::string& o = n.text;
    if (!(o == "+" || o == "-" || o == "*" || o == "/" || o == "^"))
      throw ParseError(with_caret("operator `" + o + "` cannot be used inside an expression (use + - * / ^)", src, n.pos));
  }
  if (n.kind == Node::Kind::unary && n.text == "~")
    throw ParseError(with_caret("`~` cannot be used inside an expression", src, n.pos));
  for (const auto& a : n.args) validate(*a, src, false);
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

// R's EncodeVars (src/library/stats/src/model.c), including its parity trick: inside the right
// side of `-`, `1` removes the intercept and `0` restores it.
class Encoder {
 public:
  explicit Encoder(ParsedFormula& f) : f_(f) {}

  std::vector<Term> encode(const Node& n) {
    switch (n.kind) {
      case Node::Kind::number:
        if (n.value == 1) {
          f_.intercept = parity_;
          return {};
        }
        if (n.value == 0) {
          f_.intercept = !parity_;
          return {};
        }
        throw ParseError(with_caret("invalid term in formula: only 0 and 1 (the intercept) can stand alone as numbers", f_.source, n.pos));
      case Node::Kind::paren: return encode(*n.args[0]);
      case Node::Kind::name:
        if (n.text == ".")
          throw ParseError(with_caret("`.` (all other columns) is not supported: name the columns", f_.source, n.pos));
        return {{install(n)}};
      case Node::Kind::call: return {{install(n)}};
      case Node::Kind::unary:
        if (n.text == "+") return encode(*n.args[0]);
        if (n.text == "-") return remove({}, *n.args[0]);
        throw ParseError(with_caret("`~` can appear only once, at the start of the formula", f_.source, n.pos));
      case Node::Kind::binary: break;
    }
    const std::string& o = n.text;
    if (o == "+") {
      auto l = encode(*n.args[0]);
      return concat(std::move(l), encode(*n.args[1]));
    }
    if (o == "-") return remove(encode(*n.args[0]), *n.args[1]);
    if (o == ":") {
      auto l = encode(*n.args[0]);
      return interact(l, encode(*n.args[1]));
    }
    if (o == "*") {
      auto l = encode(*n.args[0]);
      auto r = encode(*n.args[1]);
      return concat(concat(l, r), interact(l, r));
    }
    if (o == "/") {  // a/b = a + a:b (b nested in a)
      auto l = encode(*n.args[0]);
      auto r = encode(*n.args[1]);
      return concat(l, interact({all_of(l)}, r));
    }
    if (o == "%in%") {
      auto l = encode(*n.args[0]);
      const Term all = all_of(encode(*n.args[1]));
      for (auto& t : l) t = join(t, all);
      return trim(std::move(l));
    }
    if (o == "^") {
      const Node& k = *n.args[1];
      if (k.kind != Node::Kind::number || k.value < 1 || k.value != std::floor(k.value))
        throw ParseError(with_caret("the power of a term must be a positive whole number, as in (a + b + c)^2", f_.source, n.pos));
      const auto left = encode(*n.args[0]);
      auto right = left;
      for (int i = 1; i < static_cast<int>(k.value); ++i) right = interact(left, right);
      return right;
    }
    if (o == "|")
      throw ParseError(with_caret("random-effect bars such as (1 | sam) are not formula syntax here: give each random "
                                  "component its own formula, e.g. `~ 0 + sam`", f_.source, n.pos));
    if (o == "~")
      throw ParseError(with_caret("a response on the left of `~` is not used: write the formula as `~ terms`", f_.source, n.pos));
    throw ParseError(with_caret("operator `" + o + "` is not supported in formulas", f_.source, n.pos));
  }

 private:
  std::vector<Term> remove(std::vector<Term> left, const Node& right_node) {
    parity_ = !parity_;
    const auto right = encode(right_node);
    parity_ = !parity_;
    std::vector<Term> out;
    for (auto& t : left)
      if (std::find(right.begin(), right.end(), t) == right.end()) out.push_back(std::move(t));
    return out;
  }

  int install(const Node& n) {
    bool top_ok = true;
    validate(n, f_.source, top_ok);
    std::string label = deparse(n);
    for (std::size_t i = 0; i < f_.variables.size(); ++i)
      if (f_.variables[i].label == label) return static_cast<int>(i);
    f_.variables.push_back({std::move(label), std::make_shared<const Node>(n)});
    return static_cast<int>(f_.variables.size() - 1);
  }

  ParsedFormula& f_;
  bool parity_ = true;
};

}  // namespace

ParsedFormula parse_terms(const std::string& source) {
  ParsedFormula f;
  f.source = source;
  NodePtr root = parse(source);
  const Node* rhs = root.get();
  if (root->kind == Node::Kind::unary && root->text == "~") {
    rhs = root->args[0].get();
  } else if (root->kind == Node::Kind::binary && root->text == "~") {
    throw ParseError(with_caret("a response on the left of `~` is not used: write the formula as `~ terms`", source, root->pos));
  }
  Encoder enc(f);
  std::vector<Term> terms = enc.encode(*rhs);
  // R orders terms by degree, keeping the order of appearance within a degree.
  std::stable_sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.size() < b.size(); });
  f.terms = std::move(terms);
  for (const auto& t : f.terms) {
    std::string label;
    for (std::size_t i = 0; i < t.size(); ++i) label += (i ? ":" : "") + f.variables[static_cast<std::size_t>(t[i])].label;
    f.term_labels.push_back(std::move(label));
  }
  return f;
}

}  // namespace flashmm::detail::formula
