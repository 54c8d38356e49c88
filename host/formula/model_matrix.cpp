#include <flashmm/error.hpp>

#include "formula/model_matrix.hpp"

#include <algorithm>

namespace flashmm::detail::formula {

namespace {

// R's TermCode (src/library/stats/src/model.c): contrasts when the term without `var` is empty
// or contained in an earlier term.
bool contrasts_for(const std::vector<Term>& terms, std::size_t term, int var) {
  Term reduced;
  for (int v : terms[term])
    if (v != var) reduced.push_back(v);
  if (reduced.empty()) return true;
  for (std::size_t j = 0; j < term; ++j)
    if (std::includes(terms[j].begin(), terms[j].end(), reduced.begin(), reduced.end())) return true;
  return false;
}

}  // namespace

DesignSpec make_design_spec(const ParsedFormula& f, const std::vector<const EvaluatedVariable*>& vars, Index n_used) {
  DesignSpec spec;
  spec.intercept = f.intercept;
  if (f.intercept) spec.names.push_back("(Intercept)");

  std::vector<std::vector<bool>> coding(f.terms.size());
  for (std::size_t t = 0; t < f.terms.size(); ++t)
    for (int v : f.terms[t]) coding[t].push_back(vars[static_cast<std::size_t>(v)]->categorical && contrasts_for(f.terms, t, v));

  // Without an intercept, R codes the first factor (of more than one level) in the first term
  // holding one by indicators, so that the factor's columns span the intercept. Where there is
  // none, the first single-level factor gets indicators (a single column of ones, as for a
  // random component with one group) where R would stop with a contrasts error.
  if (!f.intercept) {
    for (const std::size_t min_levels : {std::size_t{2}, std::size_t{1}}) {
      bool done = false;
      for (std::size_t t = 0; t < f.terms.size() && !done; ++t)
        for (std::size_t k = 0; k < f.terms[t].size() && !done; ++k) {
          const auto* v = vars[static_cast<std::size_t>(f.terms[t][k])];
          if (v->categorical && v->levels.size() >= min_levels) {
            coding[t][k] = false;
            done = true;
          }
        }
      if (done) break;
    }
  }

  for (std::size_t t = 0; t < f.terms.size(); ++t) {
    TermColumns tc;
    tc.first_col = spec.n_cols();
    tc.contrasts = coding[t];
    Index stride = 1;
    // Column names: the product of the variables' labels, the first varying fastest.
    std::vector<std::string> names{""};
    for (std::size_t k = 0; k < f.terms[t].size(); ++k) {
      const EvaluatedVariable* v = vars[static_cast<std::size_t>(f.terms[t][k])];
      tc.vars.push_back(v);
      tc.strides.push_back(stride);
      tc.offsets.push_back(0);
      std::vector<std::string> parts;
      if (!v->categorical) {
        parts.push_back(v->label);
      } else {
        if (coding[t][k] && v->levels.size() < 2)
          throw InputError("`" + v->label + "` has a single level" +
                           (v->levels.empty() ? std::string() : " (`" + v->levels[0] + "`)") + " among the " +
                           std::to_string(n_used) + " used cells, but the term `" + f.term_labels[t] +
                           "` codes it by contrasts, which need two levels or more; remove it from the formula `" +
                           f.source + "`");
        for (std::size_t l = coding[t][k] ? 1 : 0; l < v->levels.size(); ++l) parts.push_back(v->label + v->levels[l]);
      }
      std::vector<std::string> next;
      next.reserve(names.size() * parts.size());
      for (const auto& p : parts)
        for (const auto& prefix : names) next.push_back(prefix.empty() ? p : prefix + ":" + p);
      names = std::move(next);
      stride *= static_cast<Index>(parts.size());
    }
    tc.n_cols = static_cast<Index>(names.size());
    spec.names.insert(spec.names.end(), names.begin(), names.end());
    spec.terms.push_back(std::move(tc));
  }
  return spec;
}

}  // namespace flashmm::detail::formula
