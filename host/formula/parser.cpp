#include <flashmm/error.hpp>

#include "formula/ast.hpp"

#include <algorithm>

namespace flashmm::detail::formula {

namespace {

// Precedence climbing over R's grammar (gram.y): binary levels from loosest to tightest, with
// the prefix `!` between & and the comparisons, then unary + and -, then ^ (right associative,
// its right side may carry a sign: a^-1).
class Parser {
 public:
  Parser(const std::string& source, const std::string& what)
      : src_(source), what_(what), toks_(tokenize(source, what)) {}

  NodePtr parse_all() {
    if (peek().kind == TokenKind::end) fail("empty " + what_, peek());
    NodePtr e = binary(0);
    if (peek().kind != TokenKind::end) fail_unexpected(peek());
    return e;
  }

 private:
  static constexpr int n_levels = 9;
  static constexpr int not_level = 3;         // prefix `!`
  static constexpr int comparison_level = 4;  // == != < <= > >=, not associative

  static int level_of(const Token& t) {
    if (t.kind != TokenKind::op) return -1;
    const std::string& o = t.text;
    if (o == "~") return 0;
    if (o == "|" || o == "||") return 1;
    if (o == "&" || o == "&&") return 2;
    if (o == "==" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=") return comparison_level;
    if (o == "+" || o == "-") return 5;
    if (o == "*" || o == "/") return 6;
    if (o.front() == '%') return 7;
    if (o == ":") return 8;
    return -1;
  }

  // Counts how deeply the parser's functions call each other through parentheses, calls and
  // signs, so that a pathological input ends with an error instead of a stack overflow.
  struct Nest {
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.nesting_ > max_nesting)
        p_.fail("the " + p_.what_ + " is nested too deeply (more than " + std::to_string(max_nesting) +
                    " parentheses, function calls or signs inside each other)",
                p_.peek());
    }
    ~Nest() { --p_.nesting_; }
    Parser& p_;
  };

  const Token& peek() const { return toks_[i_]; }
  const Token& peek2() const { return toks_[std::min(i_ + 1, toks_.size() - 1)]; }
  const Token& next() { return toks_[i_++]; }

  [[noreturn]] void fail(const std::string& what, const Token& at) const {
    throw ParseError(with_caret("syntax error in " + what_ + ": " + what, src_, at.pos));
  }
  [[noreturn]] void fail_unexpected(const Token& t) const {
    if (t.kind == TokenKind::end) fail("unexpected end of " + what_, t);
    if (t.kind == TokenKind::op && t.text == "=")
      fail("unexpected '=' (compare with ==; `name = value` is for function arguments)", t);
    fail("unexpected '" + t.text + "'", t);
  }

  NodePtr node(Node::Kind kind, const Token& op, std::vector<NodePtr> args) const {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->text = op.text;
    n->pos = op.pos;
    int d = 0;
    for (const auto& a : args) d = std::max(d, a->depth);
    n->depth = d + 1;
    if (n->depth > max_tree_depth)
      fail("the " + what_ + " is too long to read: its operators nest more than " + std::to_string(max_tree_depth) +
               " levels deep",
           op);
    n->args = std::move(args);
    return n;
  }

  NodePtr binary(int level) {
    if (level >= n_levels) return unary();
    if (level == not_level) {
      if (peek().kind == TokenKind::op && peek().text == "!") {
        Nest guard(*this);
        const Token& op = next();
        return node(Node::Kind::unary, op, {binary(not_level)});
      }
      return binary(level + 1);
    }
    NodePtr left;
    // ~ is also a prefix operator: the usual one-sided formula `~ a + b`.
    if (level == 0 && peek().kind == TokenKind::op && peek().text == "~") {
      Nest guard(*this);
      const Token& op = next();
      left = node(Node::Kind::unary, op, {binary(1)});
    } else {
      left = binary(level + 1);
    }
    while (level_of(peek()) == level) {
      const Token& op = next();
      left = node(Node::Kind::binary, op, {left, binary(level + 1)});
      if (level == comparison_level && level_of(peek()) == comparison_level)
        fail("comparisons cannot be chained (R refuses a == b == c): combine them with & or |", peek());
    }
    return left;
  }

  NodePtr unary() {
    Nest guard(*this);
    if (peek().kind == TokenKind::op && (peek().text == "-" || peek().text == "+")) {
      const Token& op = next();
      return node(Node::Kind::unary, op, {unary()});
    }
    return power();
  }

  NodePtr power() {
    NodePtr base = primary();
    if (peek().kind == TokenKind::op && peek().text == "^") {
      const Token& op = next();
      return node(Node::Kind::binary, op, {base, unary()});
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
      case TokenKind::string:
        n->kind = Node::Kind::string;
        n->text = t.text;
        return n;
      case TokenKind::name:
        n->text = t.text;
        if (peek().kind == TokenKind::lparen) {
          n->kind = Node::Kind::call;
          next();
          int d = 0;
          if (peek().kind != TokenKind::rparen) {
            for (;;) {
              // `name = value` names an argument, as in relevel(trt, ref = "B").
              std::string arg_name;
              if (peek().kind == TokenKind::name && peek2().kind == TokenKind::op && peek2().text == "=") {
                arg_name = next().text;
                next();
              }
              n->arg_names.push_back(std::move(arg_name));
              n->args.push_back(binary(0));
              d = std::max(d, n->args.back()->depth);
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
          n->depth = d + 1;
        } else {
          n->kind = Node::Kind::name;
        }
        return n;
      case TokenKind::lparen: {
        n->kind = Node::Kind::paren;
        n->text.assign(1, '(');
        n->args.push_back(binary(0));
        n->depth = n->args[0]->depth + 1;
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
  std::string what_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int nesting_ = 0;
};

}  // namespace

NodePtr parse(const std::string& source, const std::string& what) { return Parser(source, what).parse_all(); }

std::vector<const Node*> match_arguments(const Node& call, const std::vector<std::string>& formals,
                                         const std::string& source) {
  std::vector<const Node*> out(formals.size(), nullptr);
  const auto where = [&](std::size_t a) { return call.args[a]->pos; };
  for (std::size_t a = 0; a < call.args.size(); ++a) {
    const std::string& name = a < call.arg_names.size() ? call.arg_names[a] : std::string();
    if (name.empty()) continue;
    const auto f = std::find(formals.begin(), formals.end(), name);
    if (f == formals.end()) {
      std::string list;
      for (std::size_t k = 0; k < formals.size(); ++k) list += (k ? ", " : "") + formals[k];
      throw ParseError(with_caret("`" + call.text + "()` has no argument `" + name + "` (its arguments: " + list + ")",
                                  source, where(a)));
    }
    auto& slot = out[static_cast<std::size_t>(f - formals.begin())];
    if (slot != nullptr)
      throw ParseError(with_caret("argument `" + name + "` of `" + call.text + "()` is given twice", source, where(a)));
    slot = call.args[a].get();
  }
  std::size_t next_formal = 0;
  for (std::size_t a = 0; a < call.args.size(); ++a) {
    if (a < call.arg_names.size() && !call.arg_names[a].empty()) continue;
    while (next_formal < formals.size() && out[next_formal] != nullptr) ++next_formal;
    if (next_formal == formals.size())
      throw ParseError(with_caret("`" + call.text + "()` takes at most " + std::to_string(formals.size()) +
                                      (formals.size() == 1 ? " argument" : " arguments"),
                                  source, where(a)));
    out[next_formal++] = call.args[a].get();
  }
  return out;
}

}  // namespace flashmm::detail::formula
