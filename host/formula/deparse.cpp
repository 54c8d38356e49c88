#include "formula/ast.hpp"
#include "util/r_format.hpp"

#include <array>
#include <cctype>

namespace flashmm::detail::formula {

bool is_syntactic_name(const std::string& name) {
  static const std::array<const char*, 20> reserved = {"if",   "else",  "repeat", "while", "function",
                                                       "for",  "next",  "break",  "TRUE",  "FALSE",
                                                       "NULL", "Inf",   "NaN",    "NA",    "NA_integer_",
                                                       "NA_real_", "NA_character_", "in", "NA_complex_", "..."};
  if (name.empty()) return false;
  for (const char* r : reserved)
    if (name == r) return false;
  const auto u0 = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(u0) || name[0] == '.' || u0 >= 0x80)) return false;
  if (name[0] == '.' && name.size() > 1 && std::isdigit(static_cast<unsigned char>(name[1]))) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '_' || u >= 0x80)) return false;
  }
  return true;
}

namespace {

// R's deparse of a string: double quotes, with \ " and control characters escaped.
std::string quote_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string name_of(const std::string& name) { return is_syntactic_name(name) ? name : "`" + name + "`"; }

}  // namespace

std::string deparse(const Node& node) {
  switch (node.kind) {
    case Node::Kind::number: return r_format_number(node.value);
    case Node::Kind::string: return quote_string(node.text);
    case Node::Kind::name: return name_of(node.text);
    case Node::Kind::call: {
      std::string out = name_of(node.text) + "(";
      for (std::size_t i = 0; i < node.args.size(); ++i) {
        out += i ? ", " : "";
        if (i < node.arg_names.size() && !node.arg_names[i].empty()) out += name_of(node.arg_names[i]) + " = ";
        out += deparse(*node.args[i]);
      }
      return out + ")";
    }
    case Node::Kind::paren: return std::string(1, '(').append(deparse(*node.args[0])).append(1, ')');
    case Node::Kind::unary: return node.text + deparse(*node.args[0]);
    case Node::Kind::binary: {
      // R's deparse spaces + - * ~ | & comparisons and %op%, but not / ^ : (PP_BINARY2).
      const bool tight = node.text == "/" || node.text == "^" || node.text == ":";
      const std::string op = tight ? node.text : " " + node.text + " ";
      return deparse(*node.args[0]) + op + deparse(*node.args[1]);
    }
  }
  return {};
}

}  // namespace flashmm::detail::formula
