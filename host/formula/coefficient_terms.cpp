// Which term of the fixed formula each coefficient belongs to, from the formula and the names
// alone, so that a fit read back from a file (where the design is gone) maps its coefficients
// to variables as the design that made them did.
#include <flashmm/formula.hpp>

#include "formula/terms.hpp"
#include "formula/variables.hpp"

#include <algorithm>

namespace flashmm {

namespace {

using detail::formula::ParsedFormula;

// A column name cut at its top-level ':' (outside parentheses and quotes), as R joins the
// parts of an interaction's column name.
std::vector<std::string> name_parts(const std::string& name) {
  std::vector<std::string> parts(1);
  int depth = 0;
  char quote = 0;
  for (const char c : name) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ':' && depth == 0) {
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  return parts;
}

// Whether a column name is one of term t's columns: one part per variable, each the variable's
// label, followed by a level where the variable is a factor.
bool in_term(const std::vector<std::string>& parts, const ParsedFormula& f, std::size_t t) {
  const auto& term = f.terms[t];
  if (parts.size() != term.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (parts[i].rfind(f.variables[static_cast<std::size_t>(term[i])].label, 0) != 0) return false;
  return true;
}

}  // namespace

std::vector<CoefficientTerm> coefficient_terms(const std::string& fixed_formula,
                                               const std::vector<std::string>& fixed_names) {
  const ParsedFormula f = detail::formula::parse_terms(fixed_formula);
  std::vector<CoefficientTerm> out;
  std::size_t t = 0;  // columns come term by term: search from the current term on
  for (const auto& name : fixed_names) {
    if (f.intercept && name == "(Intercept)") {
      out.push_back({name, {}, {}});
      continue;
    }
    const std::vector<std::string> parts = name_parts(name);
    std::size_t found = t;
    while (found < f.terms.size() && !in_term(parts, f, found)) ++found;
    if (found == f.terms.size()) {
      out.push_back({name, {}, {}});
      continue;
    }
    t = found;
    CoefficientTerm c;
    c.term = f.term_labels[t];
    for (const int v : f.terms[t]) {
      const auto& var = f.variables[static_cast<std::size_t>(v)];
      c.variables.push_back(var.label);
      std::vector<const detail::formula::Node*> nodes;
      detail::formula::collect_columns(*var.node, nodes);
      for (const auto* n : nodes)
        if (std::find(c.columns.begin(), c.columns.end(), n->text) == c.columns.end()) c.columns.push_back(n->text);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace flashmm
