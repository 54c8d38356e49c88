#pragma once
// A formula's terms as R's terms.formula computes them: variables, terms as sets of variables
// ordered by degree, and the intercept; plus lme4's random-effect terms `(1 | g)`, each one
// variance component.
#include "formula/ast.hpp"

#include <string>
#include <vector>

namespace flashmm::detail::formula {

/// A variable of the formula: a column, or an expression of columns (`log(libsize)`, `factor(age)`).
struct Variable {
  std::string label;  ///< R's deparsed expression; variables are equal when their labels are
  NodePtr node;
  /// The grouping factor of a bar term `(... | g)`: categorical whatever the column's kind, as
  /// lme4 applies factor() to it (a numeric column gets one level per distinct value).
  bool grouping = false;
};

using Term = std::vector<int>;  ///< indices into ParsedFormula::variables, ascending

struct ParsedFormula {
  std::string source;              ///< the whole formula as given (carets point into it)
  bool intercept = true;
  bool explicit_intercept = false; ///< a `1` is written (`~ 1 + sam`), as opposed to R's implicit one
  std::vector<Variable> variables;       ///< in order of first appearance
  std::vector<Term> terms;               ///< main effects first, then 2-way interactions, ...
  std::vector<std::string> term_labels;  ///< "cls", "cls:trt" (variables in variable order)
  /// The bar terms, in order, each one random component written as a formula of its own
  /// without intercept: `(1 | g)` as `~ 0 + g`, `(0 + x | g)` as `~ 0 + x:g` (a slope of x per
  /// level of g); `(1 + x || g)` gives the two. Their `bars` and `bar_names` are empty.
  std::vector<ParsedFormula> bars;
  std::vector<std::string> bar_names;  ///< one per bar: "g" for an intercept, "x|g" for a slope
};

/// Parses and expands a formula (`~` optional, no response). Throws ParseError pointing at the
/// problem: syntax, unknown function, a response, numbers other than 0/1 as terms, strings as
/// terms, bar terms with correlated effects (`(1 + x | g)`: FLASHMM's components are independent)
/// or not at the top of the formula.
ParsedFormula parse_terms(const std::string& source);

/// Names of the functions a formula may use, for messages.
const std::vector<std::string>& known_functions();

/// The arguments of a call to one of the known functions, matched to its formal arguments as R
/// does (`relevel(trt, ref = "B")`: x, ref); nullptr where absent. Throws ParseError.
std::vector<const Node*> function_arguments(const Node& call, const std::string& source);

/// The label of a level literal (a string, or a number as R prints it: `c(10, 1)` -> "10", "1").
std::string level_label(const Node& literal);

/// True for the calls that make a categorical variable: factor(), as.factor(), C(), relevel().
bool is_categorical_call(const Node& node);

}  // namespace flashmm::detail::formula
