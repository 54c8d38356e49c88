#include "cli/test_selection.hpp"

#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "util/close_names.hpp"

#include <algorithm>

namespace flashmm::cli {

const char* const kTestSelectionHelp =
    "Reported tests (de.tsv, top.tsv): with --test, the coefficients whose names match (a name, or a pattern: * any "
    "text, ? one character, e.g. 'cls*:trtB'), and every --contrast; else the --contrast contrasts when any are "
    "given; else every coefficient whose term involves a variable not marked --nuisance (the intercept involves "
    "none). E.g. --nuisance libsize cls with --fixed '~ 0 + log(libsize) + cls + cls:trt' reports the cls:trt "
    "coefficients. Every coefficient is in coef.tsv, se.tsv, t.tsv and p.tsv whichever are reported.";

void add_test_selection_options(CLI::App* sub, TestSelection& o) {
  sub->add_option("--test", o.patterns,
                  "Coefficients to report in de.tsv and top.tsv: names or patterns (* any text, ? one character), "
                  "e.g. 'cls*:trtB'; every --contrast is reported as well. One or more, or repeat the flag")
      ->take_all();
  sub->add_option("--nuisance", o.nuisance,
                  "Variables whose terms alone are not reported by default (they stay in coef.tsv), as metadata "
                  "columns or as the formula writes them, e.g. libsize cls. One or more, comma-separated, or repeat "
                  "the flag")
      ->delimiter(',')
      ->take_all();
}

namespace {

// Glob match of * and ? (no character classes: coefficient names hold brackets and quotes).
bool glob(const char* p, const char* s) {
  const char *star = nullptr, *resume = nullptr;
  while (*s != '\0') {
    if (*p == '?' || *p == *s) {
      ++p, ++s;
    } else if (*p == '*') {
      star = p++;
      resume = s;
    } else if (star != nullptr) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

// "; did you mean `a`? (the NOUN: a, b, ...)"
std::string suggest(const std::string& name, const std::vector<std::string>& names, const std::string& noun) {
  std::string s;
  const auto close = detail::close_names(name, names);
  for (std::size_t i = 0; i < close.size(); ++i) s += (i ? ", `" : "; did you mean `") + close[i] + "`";
  if (!close.empty()) s += "?";
  s += " (" + noun + ": ";
  const std::size_t shown = std::min<std::size_t>(names.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + names[i];
  if (shown < names.size()) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return s + ")";
}

}  // namespace

bool matches_test_pattern(const std::string& pattern, const std::string& name) {
  return pattern == name || glob(pattern.c_str(), name.c_str());
}

std::vector<Contrast> reported_tests(const std::vector<std::string>& fixed_names, const std::string& fixed_formula,
                                     const std::vector<std::string>& contrasts, const TestSelection& selection) {
  const std::vector<Contrast> coefficients = coefficient_contrasts(fixed_names);
  // A contrast named like a coefficient is that coefficient (parse_contrasts checks it): its test once.
  std::vector<Contrast> extra;
  std::vector<bool> coefficient_given(fixed_names.size(), false);
  for (auto& c : parse_contrasts(contrasts, fixed_names)) {
    const auto it = std::find(fixed_names.begin(), fixed_names.end(), c.name);
    if (it == fixed_names.end())
      extra.push_back(std::move(c));
    else
      coefficient_given[static_cast<std::size_t>(it - fixed_names.begin())] = true;
  }

  std::vector<bool> report = coefficient_given;
  if (!selection.nuisance.empty() || (selection.patterns.empty() && contrasts.empty())) {
    // Without the formula (a file from an earlier flashmm), each coefficient is a term of its own.
    std::vector<CoefficientTerm> terms;
    if (fixed_formula.empty())
      for (const auto& n : fixed_names) terms.push_back({n, {n}, {}});
    else
      terms = coefficient_terms(fixed_formula, fixed_names);
    std::vector<std::string> variables;  // of the formula, for the message
    for (const auto& t : terms)
      for (const auto& list : {t.columns, t.variables})
        for (const auto& v : list)
          if (std::find(variables.begin(), variables.end(), v) == variables.end()) variables.push_back(v);
    for (const auto& n : selection.nuisance)
      if (std::find(variables.begin(), variables.end(), n) == variables.end())
        throw InputError("--nuisance " + n + ": not a variable of the fixed formula `" + fixed_formula + "`" +
                         suggest(n, variables, "its variables"));
    if (selection.patterns.empty() && contrasts.empty()) {
      auto nuisance = [&](const std::string& v) {
        return std::find(selection.nuisance.begin(), selection.nuisance.end(), v) != selection.nuisance.end();
      };
      for (std::size_t j = 0; j < terms.size(); ++j)
        for (std::size_t v = 0; v < terms[j].variables.size(); ++v) {
          // A variable is nuisance when named as written or by every column it reads.
          const bool by_label = nuisance(terms[j].variables[v]);
          const auto& cols = terms[j].columns;
          const bool by_columns = !cols.empty() && std::all_of(cols.begin(), cols.end(), nuisance);
          if (!by_label && !by_columns) report[j] = true;
        }
      if (std::none_of(report.begin(), report.end(), [](bool b) { return b; }))
        throw InputError("nothing to report: every term of `" + fixed_formula +
                         "` involves only variables marked --nuisance (or is the intercept); give --test or --contrast, "
                         "or mark fewer variables --nuisance");
    }
  }
  for (const auto& pattern : selection.patterns) {
    bool any = false;
    for (std::size_t j = 0; j < fixed_names.size(); ++j)
      if (matches_test_pattern(pattern, fixed_names[j])) report[j] = any = true;
    for (const auto& c : extra) any = any || matches_test_pattern(pattern, c.name);
    if (!any)
      throw InputError("--test '" + pattern + "' matches no coefficient or contrast" +
                       suggest(pattern, fixed_names, "the coefficients"));
  }

  std::vector<Contrast> tests;
  for (std::size_t j = 0; j < coefficients.size(); ++j)
    if (report[j]) tests.push_back(coefficients[j]);
  for (auto& c : extra) tests.push_back(std::move(c));
  return tests;
}

}  // namespace flashmm::cli
