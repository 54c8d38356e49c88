#include "cli/option_checks.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace flashmm::cli {

namespace {

bool parse_whole(const std::string& s, long long& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(const std::string& s, double& v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

}  // namespace

CLI::Validator whole_number(long long min, long long max) {
  std::string range = "a whole number >= " + std::to_string(min);
  if (max < std::numeric_limits<int>::max()) range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& s) -> std::string {
        long long v = 0;
        if (!parse_whole(s, v) || v < min || v > max) return "expected " + range + ", got '" + s + "'";
        return {};
      },
      "INT>=" + std::to_string(min));
}

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (!parse_double(s, v) || !(v > 0)) return "expected a number > 0, got '" + s + "'";
        return {};
      },
      "NUMBER>0");
}

CLI::Validator fraction() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (!parse_double(s, v) || v < 0 || v > 1) return "expected a fraction from 0 to 1, got '" + s + "'";
        return {};
      },
      "0..1");
}

char delimiter_of(const std::string& v) {
  if (v == "tab" || v == "\\t" || v == "\t") return '\t';
  return v.size() == 1 && (v[0] == ',' || v[0] == ';' || v[0] == '|') ? v[0] : '\0';
}

CLI::Validator delimiter_choice() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (delimiter_of(s) == '\0') return "expected ',', ';', '|' or tab, got '" + s + "'";
        return {};
      },
      "',' ';' '|' tab");
}

}  // namespace flashmm::cli
