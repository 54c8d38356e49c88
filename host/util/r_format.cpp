#include "util/r_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace flashmm::detail {

std::string r_format_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Inf" : "-Inf";
  if (x == 0) return "0";
  // Round to 15 significant digits first: the exponent is the rounded one (9.99999999999999999
  // prints as 10), and the significant digits are those left after dropping trailing zeros.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", x);
  std::string s(buf);
  const auto epos = s.find('e');
  const int exponent = std::atoi(s.c_str() + epos + 1);
  std::string mantissa = s.substr(0, epos);
  const bool neg = mantissa[0] == '-';
  std::string digits;
  for (char c : mantissa)
    if (c >= '0' && c <= '9') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int nsig = static_cast<int>(digits.size());

  // R (formatReal): fixed notation when its width is not larger than the scientific one.
  const int rgt = std::max(0, nsig - exponent - 1);
  const int int_digits = std::max(1, exponent + 1);
  const int fixed_width = (neg ? 1 : 0) + int_digits + (rgt > 0 ? rgt + 1 : 0);
  const int sci_width = (neg ? 1 : 0) + (nsig > 1 ? nsig + 1 : 1) + (std::abs(exponent) >= 100 ? 5 : 4);
  if (fixed_width <= sci_width) {
    std::snprintf(buf, sizeof buf, "%.*f", rgt, x);
    return buf;
  }
  std::string out = neg ? "-" : "";
  out += digits[0];
  if (nsig > 1) out.append(1, '.').append(digits, 1);
  std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + buf;
}

void factor_of_numbers(const std::vector<double>& values, std::vector<std::string>& levels,
                       std::vector<std::int32_t>& codes) {
  std::vector<double> distinct;
  for (double v : values)
    if (!std::isnan(v)) distinct.push_back(v);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  levels.clear();
  for (double v : distinct) levels.push_back(r_format_number(v));
  codes.assign(values.size(), -1);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isnan(values[i]))
      codes[i] = static_cast<std::int32_t>(std::lower_bound(distinct.begin(), distinct.end(), values[i]) -
                                           distinct.begin());
}

}  // namespace flashmm::detail
