#pragma once
// Internal: the --help footers of the subcommands: an example, the output files and their
// columns, and the one rule for options that take several values.
#include <string>

namespace flashmm::cli {

/// Options that take several values (--random, --contrast, --test, --nuisance, --categorical,
/// --theta0): one or more values after the flag, or the flag repeated.
extern const char* const kListRule;

std::string de_help();
std::string fit_help();
std::string test_help();
std::string sumstats_help();
std::string merge_help();
std::string simulate_help();
std::string demo_help();

}  // namespace flashmm::cli
