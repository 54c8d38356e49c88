#pragma once
// Internal: which tests the tables report (de.tsv, top.tsv), from --test, --contrast and
// --nuisance. The rule, one for every command and the Python package:
//   - --test NAME|PATTERN (glob: * any text, ? one character; 'cls*:trtB'): the coefficients
//     whose names match, and every --contrast;
//   - else, --contrast given: the contrasts;
//   - else: every coefficient whose term involves a variable not marked --nuisance (the
//     intercept involves none): `--nuisance libsize cls` with '~ 0 + log(libsize) + cls +
//     cls:trt' reports the cls:trt coefficients.
// Every coefficient stays in coef.tsv, se.tsv, t.tsv and p.tsv whichever are reported.
#include <flashmm/contrast.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace flashmm::cli {

struct TestSelection {
  std::vector<std::string> patterns;  ///< --test
  std::vector<std::string> nuisance;  ///< --nuisance: variables (metadata columns, or as the formula writes them)
};

/// The --help text of the rule above.
extern const char* const kTestSelectionHelp;

/// Registers --test and --nuisance.
void add_test_selection_options(CLI::App* sub, TestSelection& o);

/// The reported tests, in the order of the coefficients, then the contrasts: the rule above
/// applied to a fit of `fixed_formula` with coefficients `fixed_names` (p) and the --contrast
/// specs (parsed against fixed_names: ParseError / InputError as parse_contrasts). Throws
/// InputError naming --test for a pattern that matches no coefficient or contrast, naming
/// --nuisance for a name that is no variable of the formula, and when nothing is left to report.
std::vector<Contrast> reported_tests(const std::vector<std::string>& fixed_names, const std::string& fixed_formula,
                                     const std::vector<std::string>& contrasts, const TestSelection& selection);

/// Whether `name` matches the --test pattern: equal, or a glob match (* and ?).
bool matches_test_pattern(const std::string& pattern, const std::string& name);

}  // namespace flashmm::cli
