#pragma once
// A formula's terms as R's terms.formula computes them: variables, terms as sets of variables
// ordered by degree, and the intercept.
#include "formula/ast.hpp"

#include <string>
#include <vector>

namespace flashmm::detail::formula {

/// A variable of the formula: a column, or an expression of columns (`log(libsize)`, `factor(age)`).
struct Variable {
  std::string label;  ///< R's deparsed expression; variables are equal when their labels are
  NodePtr node;
};

using Term = std::vector<int>;  ///< indices into ParsedFormula::variables, ascending

struct ParsedFormula {
  std::string source;
  bool intercept = true;
  std::vector<Variable> variables;       ///< in order of first appearance
  std::vector<Term> terms;               ///< main effects first, then 2-way interactions, ...
  std::vector<std::string> term_labels;  ///< "cls", "cls:trt" (variables in variable order)
};

/// Parses and expands a formula (`~` optional, no response). Throws ParseError pointing at the
/// problem: syntax, unknown function, a response, `|` bars, numbers other than 0/1 as terms.
ParsedFormula parse_terms(const std::string& source);

/// Names of the functions a formula may use, for messages.
const std::vector<std::string>& known_functions();

}  // namespace flashmm::detail::formula
