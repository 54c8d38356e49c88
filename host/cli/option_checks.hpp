#pragma once
// Internal: checks of numeric option values whose messages say the valid range in words
// ("--chunk-cells: expected a whole number >= 1, got '0'"), where CLI11's own range checks
// print the bounds of double (a 309-digit number).
#include <CLI/CLI.hpp>

#include <limits>

namespace flashmm::cli {

/// A whole number in [min, max]; max defaults to the largest int (the options are ints).
CLI::Validator whole_number(long long min, long long max = std::numeric_limits<int>::max());

/// A number > 0.
CLI::Validator positive_number();

/// A number in [0, 1].
CLI::Validator fraction();

/// A field delimiter: ",", ";", "|", or a tab ("tab", "\t" or the character itself).
CLI::Validator delimiter_choice();
/// The character such a value names.
char delimiter_of(const std::string& value);

}  // namespace flashmm::cli
