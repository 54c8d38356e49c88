#pragma once
// Contrasts of the fixed effects (ALGORITHM.md section 4): linear combinations of the
// coefficients, written as expressions over model-matrix column names, with the semantics of
// FLASHMM's contrast.matrix (R evaluates the expression with every name bound to its unit
// vector, so the arithmetic here is R's, element by element).
#include <flashmm/types.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flashmm {

/// One contrast: weights over the p coefficients (in the order of the coefficient names it was
/// built against) and its name.
struct Contrast {
  std::string name;        ///< `NAME` of `NAME=EXPR`, else the trimmed expression text
  std::string expression;  ///< the trimmed expression text (equals name for unnamed contrasts)
  Eigen::VectorXd weights; ///< length p
};

/// Parses `NAME=EXPR` or a bare `EXPR` into a contrast over `coef_names` (the p model-matrix
/// column names, e.g. "(Intercept)", "log(libsize)", "cls2:trtB", "cluster_name B cells+").
///
/// EXPR uses + - * / ( ), unary minus and plus, numbers (2, .5, 1e-1) and coefficient names.
/// Names are matched as written, longest first, so they may hold spaces and operator
/// characters; a name may also be quoted in backticks. The result must be a linear combination
/// of the coefficients: a product of two names, a division by a name, a constant term
/// (`a + 1`), an expression naming no coefficient, weights that are all zero (`a - a`, `0*a`), an
/// unknown name, a malformed or too deeply nested expression (more than 100 parentheses or signs
/// inside each other) throws ParseError, whose message shows the expression with a caret under
/// the place. A contrast may be named like a coefficient only if it is that coefficient (`cls1`,
/// `cls1=cls1`), so that no table holds two rows of one name.
/// Throws InputError when coef_names is empty or holds a name twice.
Contrast parse_contrast(std::string_view spec, const std::vector<std::string>& coef_names);

/// parse_contrast for each spec; throws ParseError when two contrasts get the same name.
std::vector<Contrast> parse_contrasts(std::span<const std::string> specs,
                                      const std::vector<std::string>& coef_names);

/// The p x m contrast matrix L, one column per contrast. Throws InputError when the contrasts'
/// lengths differ. No contrasts: a 0 x 0 matrix.
Eigen::MatrixXd contrast_matrix(const std::vector<Contrast>& contrasts);

/// Contrasts that test single coefficients, as FLASHMM's lmmtest(fit, index = ...): the unit
/// vector of each coefficient, named by the coefficient's name. Indices are 0-based (FLASHMM's
/// index = c(1, 3, 5) is {0, 2, 4}); an index out of range or an unknown name throws InputError.
std::vector<Contrast> coefficient_contrasts(std::span<const Index> indices,
                                            const std::vector<std::string>& coef_names);
std::vector<Contrast> coefficient_contrasts(std::span<const std::string> names,
                                            const std::vector<std::string>& coef_names);
/// Every coefficient alone, in order (lmmtest's default).
std::vector<Contrast> coefficient_contrasts(const std::vector<std::string>& coef_names);

}  // namespace flashmm
