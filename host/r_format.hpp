#pragma once
// Numbers printed as R prints them (as.character / deparse: 15 significant digits, fixed or
// scientific notation by width), so that level labels such as `factor(age)30` and deparsed
// expressions such as `exp(age/100)` match R's model.matrix column names exactly.
#include <string>

namespace flashmm::detail {

/// R's as.character(x) for a double: "30", "0.5", "1e+05", "1e-04", "123456.7", "-Inf", "NaN".
std::string r_format_number(double x);

}  // namespace flashmm::detail
