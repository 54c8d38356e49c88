#pragma once
// Model formulas (R syntax) and the design matrices X (fixed effects) and Z (random effects)
// they define over a metadata table, column for column as R's model.matrix builds them.
//
// Formula syntax: `~` optional; `a + b`; `a:b`; `a*b` (= a + b + a:b); `(a + b + c)^2`;
// `a/b` (= a + a:b); `0 +` or `- 1` (no intercept); `1`; numeric functions log, log2, log10,
// log1p, exp, sqrt, abs, scale; `I(expr)` with + - * / ^, numbers and unary minus; categorical
// wrappers factor(), as.factor(), C(); back-quoted names for names with spaces or symbols.
#include <flashmm/metadata.hpp>
#include <flashmm/types.hpp>

#include <memory>
#include <string>
#include <vector>

namespace flashmm {

/// A formula's terms, as R's terms() gives them.
struct FormulaTerms {
  bool intercept = true;
  std::vector<std::string> variables;    ///< deparsed variables in order of appearance: "log(libsize)", "cls"
  std::vector<std::string> term_labels;  ///< main effects first, then interactions: "cls", "cls:trt"
};

/// Parses a formula without looking at data. Throws ParseError; its message shows the formula
/// with a caret `^` under the problem.
FormulaTerms parse_formula(const std::string& formula);

/// Builds the fixed-effect design X and the random-effect design Z for the cells of a metadata
/// table, chunk by chunk. Everything that depends on all cells (which cells are used, factor
/// levels, scale()'s mean and sd) is settled in the constructor, so any chunking of build()
/// gives the rows of the whole matrix exactly. The builder keeps no reference to the metadata.
///
/// Rules (R's model.matrix): terms ordered by degree; a factor in a term is coded by treatment
/// contrasts when the term without it is the intercept or an earlier term, else by indicators;
/// a term's columns vary its first variable fastest; names are R's (`(Intercept)`,
/// `log(libsize)`, `cls2`, `cls1:trtB`, `factor(age)30`). Levels: a categorical column's stored
/// order; strings sorted in byte order ("1" < "10" < "2"); logical columns FALSE, TRUE; numbers
/// in factor() sorted by value. Levels that no used cell has are left out (with a warning).
/// Cells with a missing value in a column any formula uses are dropped (with a warning).
class DesignBuilder {
 public:
  /// `fixed_formula` gives X; each of `random_formulas` gives one random component (its d_i
  /// columns of Z, in order). Throws ParseError (syntax, unknown function) and InputError
  /// (unknown column, numeric function of a categorical, log of non-positive values, a factor
  /// with one level where contrasts need two, a random formula with no column, no cell left).
  DesignBuilder(const Metadata& metadata, std::string fixed_formula, std::vector<std::string> random_formulas = {});
  ~DesignBuilder();
  DesignBuilder(DesignBuilder&&) noexcept;
  DesignBuilder& operator=(DesignBuilder&&) noexcept;

  const std::vector<std::string>& fixed_names() const;   ///< p names: the columns of X
  const std::vector<std::string>& random_names() const;  ///< q names: the columns of Z, component by component
  Index p() const;                                        ///< columns of X
  Index q() const;                                        ///< columns of Z = sum of d()
  std::vector<int> d() const;                             ///< columns of Z per random component
  /// One name per random component: its term labels joined by " + " (e.g. "sam").
  const std::vector<std::string>& component_names() const;

  Index n_used_cells() const;
  /// The metadata rows (0-based) kept, ascending; row i of the design is cell used_cells()[i].
  const std::vector<Index>& used_cells() const;
  /// Rows of the metadata the design was built from (used or dropped).
  Index n_metadata_rows() const;

  /// Rows [begin, end) of the design (indices into used_cells()): X becomes (end - begin) x p,
  /// dense row-major; Z (end - begin) x q, sparse row-major (compressed), without explicit zeros.
  void build(Index begin, Index end, RowMatrixXd& X, SparseRowMatrix& Z) const;

  /// Messages about dropped cells and levels; empty when there is nothing to say.
  const std::vector<std::string>& warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A whole design matrix, for small tables and tests.
struct ModelMatrix {
  std::vector<std::string> names;  ///< p column names
  RowMatrixXd values;              ///< n_used x p
  std::vector<Index> used_cells;   ///< metadata rows of the n_used rows
  std::vector<std::string> warnings;
};

/// R's model.matrix(formula, metadata) (rows with missing values dropped).
ModelMatrix model_matrix(const Metadata& metadata, const std::string& formula);

}  // namespace flashmm
