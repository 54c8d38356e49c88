#include <flashmm/error.hpp>

#include "formula/ast.hpp"

namespace flashmm::detail::formula {

namespace {

// Precedence climbing over R's grammar (gram.y): binary levels from loosest to tightest, then
// unary + and -, then ^ (right associative, its right side may carry a sign: a^-1).
class Parser {
 public:
  explicit Parser(const std::string& source) : src_(source), toks_(tokenize(source)) {}

  NodePtr parse_all() {
    if (peek().kind == TokenKind::end) fail("empty formula", peek());
    NodePtr e = binary(0);
    if (peek().kind != TokenKind::end) fail_unexpected(peek());
    return e;
  }

 private:
  static constexpr int n_levels = 6;

  static int level_of(const Token& t) {
    if (t.kind != TokenKind::op) return -1;
    const std::string& o = t.text;
    if (o == "~") return 0;
    if (o == "|") return 1;
    if (o == "+" || o == "-") return 2;
    if (o == "*" || o == "/") return 3;
    if (o.front() == '%') return 4;
    if (o == ":") return 5;
    return -1;
  }

  const Token& peek() const { return toks_[i_]; }
  const Token& next() { return toks_[i_++]; }

  [[noreturn]] void fail(const std::string& what, const Token& at) const {
    throw ParseError(with_caret("syntax error in formula: " + what, src_, at.pos));
  }
  [[noreturn]] void fail_unexpected(const Token& t) const {
    if (t.kind == TokenKind::end) fail("unexpected end of formula", t);
    fail("unexpected '" + t.text + "'", t);
  }

  NodePtr binary(int level) {
    if (level >= n_levels) return unary();
    NodePtr left;
    // ~ is also a prefix operator: the usual one-sided formula `~ a + b`.
    if (level == 0 && peek().kind == TokenKind::op && peek().text == "~") {
      const Token& op = next();
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::unary;
      n->text = op.text;
      n->pos = op.pos;
      n->args.push_back(binary(1));
      left = n;
    } else {
      left = binary(level + 1);
    }
    while (level_of(peek()) == level) {
      const Token& op = next();
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::binary;
      n->text = op.text;
      n->pos = op.pos;
      n->args.push_back(left);
      n->args.push_back(binary(level + 1));
      left = n;
    }
    return left;
  }

  NodePtr unary() {
    if (peek().kind == TokenKind::op && (peek().text == "-" || peek().text == "+")) {
      const Token& op = next();
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::unary;
      n->text = op.text;
      n->pos = op.pos;
      n->args.push_back(unary());
      return n;
    }
    return power();
  }

  NodePtr power() {
    NodePtr base = primary();
    if (peek().kind == TokenKind::op && peek().text == "^") {
      const Token& op = next();
      auto n = std::make_shared<Node>();
      n->kind = Node::Kind::binary;
      n->text = op.text;
      n->pos = op.pos;
      n->args.push_back(base);
      n->args.push_back(unary());
      return n;
    }
    return base;
  }

  NodePtr primary() {
    const Token& t = next();
    auto n = std::make_shared<Node>();
    n->pos = t.pos;
    switch (t.kind) {
      case TokenKind::number:
        n->kind = Node::Kind::number;
        n->value = t.value;
        n->text = t.text;
        return n;
      case TokenKind::name:
        n->text = t.text;
        if (peek().kind == TokenKind::lparen) {
          n->kind = Node::Kind::call;
          next();
          if (peek().kind != TokenKind::rparen) {
            for (;;) {
              n->args.push_back(binary(0));
              if (peek().kind == TokenKind::comma) {
                next();
                continue;
              }
              break;
            }
          }
          if (peek().kind != TokenKind::rparen) {
            if (peek().kind == TokenKind::end) fail("'(' is not closed", t);
            fail_unexpected(peek());
          }
          next();
        } else {
          n->kind = Node::Kind::name;
        }
        return n;
      case TokenKind::lparen: {
        n->kind = Node::Kind::paren;
        n->text.assign(1, '(');
        n->args.push_back(binary(0));
        if (peek().kind != TokenKind::rparen) {
          if (peek().kind == TokenKind::end) fail("'(' is not closed", t);
          fail_unexpected(peek());
        }
        next();
        return n;
      }
      default:
        fail_unexpected(t);
    }
  }

  const std::string& src_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
};

}  // namespace

NodePtr parse(const std::string& source) { return Parser(source).parse_all(); }

}  // namespace flashmm::detail::formula
