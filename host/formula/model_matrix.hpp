#pragma once
// R's model.matrix coding of a formula's terms: which factors get contrasts and which full
// indicators, the columns' order and names, and the nonzeros of one cell's row.
#include <flashmm/types.hpp>

#include "formula/terms.hpp"
#include "formula/variables.hpp"

#include <string>
#include <vector>

namespace flashmm::detail::formula {

/// How one term becomes columns. Its columns are the product of its variables' choices, the
/// first variable varying fastest: a numeric variable has one choice (its value), a factor coded
/// by contrasts has levels 2..L (treatment), one coded by indicators has levels 1..L.
struct TermColumns {
  std::vector<const EvaluatedVariable*> vars;  ///< in variable order
  std::vector<bool> contrasts;                  ///< per variable (factors only): first level dropped
  std::vector<Index> strides;                   ///< per variable: column stride of its choices
  /// per variable: subtracted from the cell index to find its value (0, or the first cell of a
  /// chunk for a variable evaluated chunk by chunk)
  std::vector<Index> offsets;
  Index first_col = 0;
  Index n_cols = 0;
};

struct DesignSpec {
  bool intercept = false;
  std::vector<TermColumns> terms;
  std::vector<std::string> names;  ///< column names, as R's model.matrix prints them
  Index n_cols() const { return static_cast<Index>(names.size()); }
};

/// Codes the formula's terms with R's rule: a factor in a term gets contrasts when the term
/// without it is the empty term or is contained in an earlier term, else full indicators;
/// without an intercept, the first factor of the first term holding one gets full indicators.
/// `vars[i]` is the evaluated variable i of the formula. Throws InputError when a factor that
/// needs contrasts has fewer than two levels among the used cells.
DesignSpec make_design_spec(const ParsedFormula& f, const std::vector<const EvaluatedVariable*>& vars, Index n_used);

/// Calls emit(column, value) for each column of row `cell` (an index into the used cells) that
/// may be nonzero, in ascending column order; each term gives at most one.
template <class Emit>
void for_each_entry(const DesignSpec& spec, Index cell, Emit&& emit) {
  if (spec.intercept) emit(Index{0}, 1.0);
  for (const TermColumns& t : spec.terms) {
    Index col = t.first_col;
    double value = 1.0;
    bool zero = false;
    for (std::size_t k = 0; k < t.vars.size(); ++k) {
      const EvaluatedVariable& v = *t.vars[k];
      const auto i = static_cast<std::size_t>(cell - t.offsets[k]);
      if (!v.categorical) {
        value *= v.values[i];
        continue;
      }
      const Index code = v.codes[i];
      if (t.contrasts[k]) {
        if (code == 0) {  // the reference level: every column of the term is 0
          zero = true;
          break;
        }
        col += (code - 1) * t.strides[k];
      } else {
        col += code * t.strides[k];
      }
    }
    if (!zero) emit(col, value);
  }
}

}  // namespace flashmm::detail::formula
