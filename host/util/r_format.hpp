#pragma once
// Numbers printed as R prints them (as.character / deparse: 15 significant digits, fixed or
// scientific notation by width), so that level labels such as `factor(age)30` and deparsed
// expressions such as `exp(age/100)` match R's model.matrix column names exactly.
#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::detail {

/// R's factor() of numbers: the levels are the distinct values sorted, labelled by
/// r_format_number; codes index them, -1 for NaN (missing).
void factor_of_numbers(const std::vector<double>& values, std::vector<std::string>& levels,
                       std::vector<std::int32_t>& codes);

/// R's as.character(x) for a double: "30", "0.5", "1e+05", "1e-04", "123456.7", "-Inf", "NaN".
std::string r_format_number(double x);

}  // namespace flashmm::detail
