#pragma once
// Model formulas (R syntax) and the design matrices X (fixed effects) and Z (random effects)
// they define over a metadata table, column for column as R's model.matrix builds them.
//
// Formula syntax: `~` optional; `a + b`; `a:b`; `a*b` (= a + b + a:b); `(a + b + c)^2`;
// `a/b` (= a + a:b); `0 +` or `- 1` (no intercept); `1`; numeric functions log, log2, log10,
// log1p, exp, sqrt, abs, scale; `I(expr)` with + - * / ^, numbers and unary minus; categorical
// wrappers factor(), as.factor(), C(), `factor(x, levels = c("b", "a"))` (the levels' order;
// the first is the reference) and `relevel(x, ref = "ctrl")` (R's names: ref = 2 is the second
// level); back-quoted names for names with spaces or symbols.
//
// Random effects as lme4 writes them, each bar term one variance component: `(1 | sam)` a
// random intercept per level of sam (the same Z as `~ 0 + sam`), `(0 + x | g)` a slope of x
// per level of g, `(1 + x || g)` both, independent. FLASHMM's components are independent, so
// correlated terms (`(1 + x | g)`, `(x | g)`) are refused with the independent form to write.
#include <flashmm/metadata.hpp>
#include <flashmm/types.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace flashmm {

/// A formula's terms, as R's terms() gives them.
struct FormulaTerms {
  bool intercept = true;
  std::vector<std::string> variables;    ///< deparsed variables in order of appearance: "log(libsize)", "cls"
  std::vector<std::string> term_labels;  ///< main effects first, then interactions: "cls", "cls:trt"
  /// The bar terms' random components, in order, by name: "sam" for (1 | sam), "x|g" for (0 + x | g).
  std::vector<std::string> random_components;
};

/// Parses a formula without looking at data. Throws ParseError; its message shows the formula
/// with a caret `^` under the problem.
FormulaTerms parse_formula(const std::string& formula);

/// The term of the fixed formula that a coefficient (a column of X) belongs to.
struct CoefficientTerm {
  std::string term;                    ///< R's term label, "cls:trt"; "(Intercept)" for the intercept
  std::vector<std::string> variables;  ///< the term's variables as R deparses them: "log(libsize)", "cls"
  std::vector<std::string> columns;    ///< the metadata columns (and cell totals) they read: "libsize", "cls"
};

/// Per coefficient of `fixed_names` (the p column names DesignBuilder gives `fixed_formula`,
/// e.g. read back from a statistics or fit file), its term: R names a term's column by its
/// variables joined by ':', each followed by its level where it is a factor (`cls1:trtB` of
/// `cls:trt`), and orders the columns term by term. A name that fits no term (which the
/// builder does not produce) gets a term of its own name with no variables. Throws ParseError
/// for a formula that does not parse.
std::vector<CoefficientTerm> coefficient_terms(const std::string& fixed_formula,
                                               const std::vector<std::string>& fixed_names);

/// The per-cell totals of the expression data that formulas may use without a metadata column:
/// `libsize` (the sum of a cell's values before any transform) and `nfeatures` (its nonzero
/// entries).
inline const std::vector<std::string>& cell_total_names() {
  static const std::vector<std::string> names = {"libsize", "nfeatures"};
  return names;
}

struct DesignOptions {
  /// Which cells to model, as R's subset(): a condition over metadata columns, e.g.
  /// `cls == "3"`, `trt %in% c("A", "B") & !is.na(age)`, `age >= 30 | sex != "F"` (== != < <= >
  /// >= %in% is.na & | ! and parentheses). Cells where it is FALSE or NA are left out like cells
  /// with a missing value. Empty: every cell.
  std::string subset;
  /// Let formulas use the cell totals (cell_total_names()) that the metadata lacks: their values
  /// then come with the cells, chunk by chunk, so the cells are read once (build() takes them;
  /// CellStreamAccumulator computes them from the expression data it streams). Only functions of
  /// each cell's own values may use them (log(libsize), I(libsize / 1000)); scale(), factors and
  /// the subset need every cell's value before the design exists, so for those the totals must
  /// be metadata columns (cell_totals_use() says which).
  bool cell_totals_from_data = false;
};

/// How formulas and a subset use the cell totals that the metadata lacks.
struct CellTotalsUse {
  std::vector<std::string> per_cell;   ///< only in functions of each cell's own values: computed as the cells stream
  std::vector<std::string> all_cells;  ///< in scale(), a factor or the subset: needed for every cell first
  std::vector<std::string> reasons;    ///< for all_cells, what needs them ("`scale(libsize)`"), for messages
};

/// Which cell totals (cell_total_names()) the formulas and the subset use though `metadata`
/// lacks them, and how. Throws ParseError for a formula or subset that does not parse.
CellTotalsUse cell_totals_use(const Metadata& metadata, const std::string& fixed_formula,
                              const std::vector<std::string>& random_formulas, const std::string& subset = {});

/// Per-cell totals for the rows of one build() call (one value per row; empty when the design
/// does not use that total).
struct CellTotals {
  std::span<const double> libsize;
  std::span<const double> nfeatures;
};

/// What became of the metadata rows.
struct CellCounts {
  Index rows = 0;            ///< metadata rows
  Index outside_subset = 0;  ///< left out by DesignOptions::subset (FALSE or NA there)
  Index missing = 0;         ///< in the subset, but missing a value in a column the model uses
  Index used = 0;            ///< rows of the design
};

/// Builds the fixed-effect design X and the random-effect design Z for the cells of a metadata
/// table, chunk by chunk. Everything that depends on all cells (which cells are used, factor
/// levels, scale()'s mean and sd) is settled in the constructor, so any chunking of build()
/// gives the rows of the whole matrix exactly. The builder keeps no reference to the metadata.
///
/// Rules (R's model.matrix): terms ordered by degree; a factor in a term is coded by treatment
/// contrasts when the term without it is the intercept or an earlier term, else by indicators;
/// a term's columns vary its first variable fastest; names are R's (`(Intercept)`,
/// `log(libsize)`, `cls2`, `cls1:trtB`, `factor(age)30`, `relevel(trt, ref = "B")A`).
/// Levels: a categorical column's stored order (an .h5ad categorical: the file's order);
/// strings sorted in byte order, as R's sort() in the C locale ("1" < "10" < "2"); logical
/// columns FALSE, TRUE; numbers in factor() sorted by value ("1" < "2" < "10"); factor(x, levels
/// = ...) and relevel() reorder them. Levels that no used cell has are left out (with a warning,
/// unless a subset left them out). Cells with a missing value in a column any formula uses are
/// dropped (with a warning).
class DesignBuilder {
 public:
  /// `fixed_formula` gives X, and may hold bar terms `(1 | sam)` that are random components;
  /// each of `random_formulas` gives more: a formula of bar terms (`(1 | sam) + (1 | batch)`:
  /// two components), or the terms of one component (`~ 0 + sam`: its d_i columns of Z).
  /// Components come in order: the fixed formula's bars, then the random formulas'. A random
  /// formula of plain terms must not have R's implicit intercept (`~ sam` codes an intercept
  /// plus treatment contrasts, not one effect per sample): write `~ 0 + sam` or `(1 | sam)`, or
  /// `~ 1 + sam` to ask for R's coding explicitly.
  /// Throws ParseError (syntax, unknown function, correlated bar terms) and InputError
  /// (unknown column, numeric function of a categorical, log of non-positive values, a factor
  /// with one level where contrasts need two, a random formula with no column or an implicit
  /// intercept, a component given twice, a subset that selects no cell, no cell left).
  DesignBuilder(const Metadata& metadata, std::string fixed_formula, std::vector<std::string> random_formulas = {},
                const DesignOptions& options = {});
  ~DesignBuilder();
  DesignBuilder(DesignBuilder&&) noexcept;
  DesignBuilder& operator=(DesignBuilder&&) noexcept;

  const std::vector<std::string>& fixed_names() const;   ///< p names: the columns of X
  const std::vector<std::string>& random_names() const;  ///< q names: the columns of Z, component by component
  Index p() const;                                        ///< columns of X
  Index q() const;                                        ///< columns of Z = sum of d()
  std::vector<int> d() const;                             ///< columns of Z per random component
  /// One name per random component: "sam" for (1 | sam) and ~ 0 + sam, "x|g" for (0 + x | g),
  /// the term labels joined by " + " for other formulas.
  const std::vector<std::string>& component_names() const;

  Index n_used_cells() const;
  /// The metadata rows (0-based) kept, ascending; row i of the design is cell used_cells()[i].
  const std::vector<Index>& used_cells() const;
  /// Rows of the metadata the design was built from (used or dropped).
  Index n_metadata_rows() const;
  /// How many rows the subset and missing values left out.
  const CellCounts& cell_counts() const;

  /// True when build() needs the cell totals (DesignOptions::cell_totals_from_data was used).
  bool needs_cell_totals() const;

  /// Rows [begin, end) of the design (indices into used_cells()): X becomes (end - begin) x p,
  /// dense row-major; Z (end - begin) x q, sparse row-major (compressed), without explicit zeros.
  /// Throws InputError when the design needs cell totals (use the other overload).
  void build(Index begin, Index end, RowMatrixXd& X, SparseRowMatrix& Z) const;
  /// The same, with the totals of those end - begin cells. Throws InputError for a total out of
  /// a function's domain (log(libsize) of an empty cell), naming the cell by its number.
  void build(Index begin, Index end, const CellTotals& totals, RowMatrixXd& X, SparseRowMatrix& Z) const;

  /// Messages about dropped cells and levels and numbers that look like labels; empty when
  /// there is nothing to say.
  const std::vector<std::string>& warnings() const;
  /// Numeric columns used as numbers (a slope) although their values look like labels, as
  /// cluster ids written by pandas do: 3 to 100 distinct whole numbers counting from 0 or 1
  /// (the largest at most twice their count); each has a warning as well.
  const std::vector<std::string>& numeric_label_columns() const;
  /// Per column of X: the metadata columns it reads as numbers (`cls` read as numbers: {"cls"};
  /// `log(libsize)`: {"libsize"}; `cls2`, an indicator: {}), for messages about a singular X.
  const std::vector<std::vector<std::string>>& fixed_numeric_columns() const;

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
