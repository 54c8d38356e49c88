#pragma once
// Formula syntax tree: R's expression grammar restricted to what model formulas use.
#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail::formula {

enum class TokenKind { name, number, op, lparen, rparen, comma, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;    ///< name (without back quotes), operator, or the number as written
  double value = 0;    ///< number
  std::size_t pos = 0; ///< byte offset in the formula, for carets in error messages
};

/// Splits a formula into tokens; throws ParseError (with a caret line) on a stray character or an
/// unterminated back quote.
std::vector<Token> tokenize(const std::string& source);

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
  enum class Kind { number, name, call, unary, binary, paren };
  Kind kind = Kind::number;
  std::string text;           ///< name, function name, or operator ("+", "-", "*", "/", "^", ":", "%in%", "~", "|")
  double value = 0;           ///< number
  std::vector<NodePtr> args;  ///< call arguments; unary: 1; binary: 2; paren: 1
  std::size_t pos = 0;        ///< byte offset in the formula of the name / operator
};

/// Parses a whole formula (R precedence: ~ < | < + - < * / < %op% < : < unary +- < ^).
NodePtr parse(const std::string& source);

/// R's deparse(): `log(libsize)`, `exp(age/100)`, `I(age + 1)`, `` `my col` ``.
std::string deparse(const Node& node);

/// "<what>\n  <source>\n  <spaces>^" for errors that point at a position in the formula.
std::string with_caret(const std::string& what, const std::string& source, std::size_t pos);

/// R's rule for names that need back quotes when printed.
bool is_syntactic_name(const std::string& name);

}  // namespace flashmm::detail::formula
