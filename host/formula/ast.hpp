#pragma once
// Formula syntax tree: R's expression grammar restricted to what model formulas and cell subsets
// (--subset) use.
#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail::formula {

enum class TokenKind { name, number, string, op, lparen, rparen, comma, end };

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;    ///< name (without back quotes), operator, string (unescaped), or the number as written
  double value = 0;    ///< number
  std::size_t pos = 0; ///< byte offset in the source, for carets in error messages
};

/// Splits a formula into tokens (`what` names it in messages); throws ParseError (with a caret line) on a stray character, an
/// unterminated back quote or string, or R's assignment `<-`.
std::vector<Token> tokenize(const std::string& source, const std::string& what = "formula");

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
  enum class Kind { number, string, name, call, unary, binary, paren };
  Kind kind = Kind::number;
  /// name, function name, string value, or operator ("+", "-", "*", "/", "^", ":", "%in%", "~",
  /// "|", "||", "&", "&&", "!", "==", "!=", "<", "<=", ">", ">=")
  std::string text;
  double value = 0;                    ///< number
  std::vector<NodePtr> args;           ///< call arguments; unary: 1; binary: 2; paren: 1
  std::vector<std::string> arg_names;  ///< call: one per argument, "" when positional (`ref = "B"`: "ref")
  std::size_t pos = 0;                 ///< byte offset in the source of the name / operator
  int depth = 1;                       ///< levels of the tree below and including this node
};

/// Limits that keep the recursive parser and every walk over the tree (deparse, terms,
/// evaluation) far from the end of the stack: more than this many parentheses, calls or signs
/// inside each other, or a tree deeper than max_tree_depth (long chains such as a + a + ... +
/// a), is refused with a ParseError.
inline constexpr int max_nesting = 100;
inline constexpr int max_tree_depth = 1000;

/// Parses a whole expression with R's precedence, loosest first: ~ < | || < & && < ! <
/// comparisons < + - < * / < %op% < : < unary + - < ^.
/// `what` names the text in messages ("formula", "cell subset").
NodePtr parse(const std::string& source, const std::string& what = "formula");

/// R's deparse(): `log(libsize)`, `exp(age/100)`, `I(age + 1)`, `` `my col` ``,
/// `relevel(trt, ref = "B")`.
std::string deparse(const Node& node);

/// "<what>\n  <source>\n  <spaces>^" for errors that point at a position in the formula.
std::string with_caret(const std::string& what, const std::string& source, std::size_t pos);

/// R's rule for names that need back quotes when printed.
bool is_syntactic_name(const std::string& name);

/// R's matching of a call's arguments to the function's formal arguments: named ones first
/// (exact names), then the unnamed ones in order. Returns one entry per formal, nullptr where
/// absent. Throws ParseError (caret under the argument, `source` for the message) for an
/// unknown name, a name given twice or too many arguments.
std::vector<const Node*> match_arguments(const Node& call, const std::vector<std::string>& formals,
                                         const std::string& source);

}  // namespace flashmm::detail::formula
