#include <flashmm/contrast.hpp>
#include <flashmm/error.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace flashmm {

namespace detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Characters of an R symbol: a name ending in one of these must not be followed by another,
// or "cls1" would match the start of "cls10".
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_'; }
bool is_operator(char c) {
  return c == '+' || c == '-' || c == '*' || c == '/' || c == '(' || c == ')';
}
// Characters that can only be a mistake in a contrast (R operators we do not take, separators).
bool is_unexpected(char c) {
  static constexpr std::string_view chars = "^%=,;<>!&|~$@[]{}\"'?#\\";
  return chars.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// The message of every parse error: what went wrong, then the spec with a caret under `pos`.
[[noreturn]] void fail(std::string_view spec, std::size_t pos, const std::string& what) {
  std::string msg = "invalid contrast: " + what + "\n  " + std::string(spec) + "\n  " + std::string(pos, ' ') + "^";
  throw ParseError(msg);
}

/// Longest coefficient name that the input starts with at `pos` (ending at a word boundary), or
/// nullopt. Linear in the number of names: p is small (tens), and specs are short.
std::optional<std::size_t> match_name(std::string_view text, std::size_t pos,
                                      const std::vector<std::string>& names) {
  std::optional<std::size_t> best;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.empty() || name.size() <= best_len) continue;
    if (text.substr(pos, name.size()) != name) continue;
    const std::size_t end = pos + name.size();
    if (end < text.size() && is_word(name.back()) && is_word(text[end])) continue;
    best = i;
    best_len = name.size();
  }
  return best;
}

struct Token {
  enum class Kind { number, name, op, end };
  Kind kind = Kind::end;
  std::size_t pos = 0;  ///< offset in the full spec (for carets)
  char op = 0;
  double number = 0;
  std::size_t name = 0;  ///< index into the coefficient names
};

/// Splits the expression (at offset `base` in `spec`) into tokens. Unknown names and stray
/// characters are reported here, where their extent is known.
std::vector<Token> tokenize(std::string_view spec, std::size_t base, std::size_t end,
                            const std::vector<std::string>& names) {
  std::vector<Token> tokens;
  std::size_t i = base;
  while (i < end) {
    const char c = spec[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    const std::string_view text = spec.substr(0, end);
    Token t;
    t.pos = i;
    if (auto n = match_name(text, i, names)) {
      t.kind = Token::Kind::name;
      t.name = *n;
      i += names[*n].size();
    } else if (c == '`') {
      const std::size_t close = text.find('`', i + 1);
      if (close == std::string_view::npos) fail(spec, i, "unterminated backquote");
      const std::string_view quoted = text.substr(i + 1, close - i - 1);
      std::size_t k = 0;
      while (k < names.size() && names[k] != quoted) ++k;
      if (k == names.size())
        fail(spec, i, "unknown coefficient '" + std::string(quoted) + "'");
      t.kind = Token::Kind::name;
      t.name = k;
      i = close + 1;
    } else if (is_operator(c)) {
      t.kind = Token::Kind::op;
      t.op = c;
      ++i;
    } else if (is_digit(c) || (c == '.' && i + 1 < end && is_digit(spec[i + 1]))) {
      // R's numeric literal: digits, optional fraction, optional exponent with digits.
      std::size_t j = i;
      while (j < end && is_digit(spec[j])) ++j;
      if (j < end && spec[j] == '.') {
        ++j;
        while (j < end && is_digit(spec[j])) ++j;
      }
      if (j < end && (spec[j] == 'e' || spec[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < end && (spec[k] == '+' || spec[k] == '-')) ++k;
        if (k < end && is_digit(spec[k])) {
          while (k < end && is_digit(spec[k])) ++k;
          j = k;
        }
      }
      // strtod rounds correctly, as R's parser does for ordinary literals.
      const std::string literal(spec.substr(i, j - i));
      t.kind = Token::Kind::number;
      t.number = std::strtod(literal.c_str(), nullptr);
      i = j;
    } else if (is_unexpected(c)) {
      fail(spec, i, std::string("unexpected character '") + c + "'");
    } else {
      // Not a known name: take the word up to the next space or operator for the message.
      std::size_t j = i;
      while (j < end && !is_space(spec[j]) && !is_operator(spec[j]) && !is_unexpected(spec[j])) ++j;
      std::string msg = "unknown coefficient '" + std::string(spec.substr(i, j - i)) + "'; the coefficients are ";
      constexpr std::size_t max_listed = 30;
      for (std::size_t k = 0; k < names.size() && k < max_listed; ++k)
        msg += (k ? ", '" : "'") + names[k] + "'";
      if (names.size() > max_listed) msg += ", ... (" + std::to_string(names.size()) + " in all)";
      fail(spec, i, msg);
    }
    tokens.push_back(t);
  }
  Token last;
  last.kind = Token::Kind::end;
  last.pos = end;
  tokens.push_back(last);
  return tokens;
}

/// The value of a subexpression: a scalar, or a linear combination of the coefficients (a
/// vector of weights). Operations act element by element, as R does on the unit vectors.
struct Value {
  bool linear = false;
  double scalar = 0;
  Eigen::VectorXd weights;
};

/// Recursive descent with R's precedence: unary +/- bind tighter than * and /, which bind
/// tighter than binary + and -.
class Parser {
 public:
  Parser(std::string_view spec, std::vector<Token> tokens, const std::vector<std::string>& names)
      : spec_(spec), tokens_(std::move(tokens)), names_(names) {}

  Value parse() {
    if (peek().kind == Token::Kind::end) fail(spec_, peek().pos, "empty expression");
    Value v = sum();
    const Token& t = peek();
    if (t.kind != Token::Kind::end) {
      if (t.kind == Token::Kind::op && t.op == ')') fail(spec_, t.pos, "unmatched ')'");
      fail(spec_, t.pos, "expected an operator (+ - * /) here");
    }
    return v;
  }

 private:
  const Token& peek() const { return tokens_[next_]; }
  bool at_op(char op) const { return peek().kind == Token::Kind::op && peek().op == op; }

  Value sum() {
    Value left = product();
    while (at_op('+') || at_op('-')) {
      const Token op = tokens_[next_++];
      Value right = product();
      if (left.linear != right.linear)
        fail(spec_, op.pos, "a constant term is not a linear combination of coefficients");
      if (left.linear) {
        if (op.op == '+')
          left.weights.array() += right.weights.array();
        else
          left.weights.array() -= right.weights.array();
      } else {
        left.scalar = op.op == '+' ? left.scalar + right.scalar : left.scalar - right.scalar;
      }
    }
    return left;
  }

  Value product() {
    Value left = unary();
    while (at_op('*') || at_op('/')) {
      const Token op = tokens_[next_++];
      Value right = unary();
      if (op.op == '*') {
        if (left.linear && right.linear)
          fail(spec_, op.pos, "a product of two coefficients is not a linear combination");
        if (left.linear) {
          left.weights.array() *= right.scalar;
        } else if (right.linear) {
          right.weights.array() *= left.scalar;
          left = std::move(right);
        } else {
          left.scalar *= right.scalar;
        }
      } else {
        if (right.linear) fail(spec_, op.pos, "dividing by a coefficient is not a linear combination");
        if (right.scalar == 0) fail(spec_, op.pos, "division by zero");
        if (left.linear)
          left.weights.array() /= right.scalar;
        else
          left.scalar /= right.scalar;
      }
    }
    return left;
  }

  // Parentheses and signs recurse: bound their nesting so that a pathological input ends with an
  // error, not a stack overflow.
  static constexpr int max_nesting = 100;
  struct Nest {
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.nesting_ > max_nesting)
        fail(p_.spec_, p_.peek().pos,
             "the expression is nested too deeply (more than " + std::to_string(max_nesting) +
                 " parentheses or signs inside each other)");
    }
    ~Nest() { --p_.nesting_; }
    Parser& p_;
  };

  Value unary() {
    Nest guard(*this);
    if (at_op('-') || at_op('+')) {
      const char op = tokens_[next_++].op;
      Value v = unary();
      if (op == '-') {
        if (v.linear)
          v.weights = -v.weights;
        else
          v.scalar = -v.scalar;
      }
      return v;
    }
    return primary();
  }

  Value primary() {
    const Token t = peek();
    switch (t.kind) {
      case Token::Kind::number: {
        ++next_;
        Value v;
        v.scalar = t.number;
        return v;
      }
      case Token::Kind::name: {
        ++next_;
        Value v;
        v.linear = true;
        v.weights = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(names_.size()));
        v.weights(static_cast<Eigen::Index>(t.name)) = 1.0;
        return v;
      }
      case Token::Kind::op:
        if (t.op == '(') {
          ++next_;
          Value v = sum();
          if (!at_op(')')) {
            if (peek().kind == Token::Kind::end) fail(spec_, t.pos, "this '(' is never closed");
            fail(spec_, peek().pos, "expected ')' or an operator here");
          }
          ++next_;
          return v;
        }
        if (t.op == ')') fail(spec_, t.pos, "expected a coefficient name, a number or '(' before ')'");
        fail(spec_, t.pos, std::string("expected a coefficient name, a number or '(' before '") + t.op + "'");
      case Token::Kind::end:
        break;
    }
    fail(spec_, t.pos, "the expression ends where a coefficient name, a number or '(' is expected");
  }

  std::string_view spec_;
  std::vector<Token> tokens_;
  const std::vector<std::string>& names_;
  std::size_t next_ = 0;
  int nesting_ = 0;
};

void check_coef_names(const std::vector<std::string>& coef_names) {
  if (coef_names.empty()) throw InputError("a contrast needs the coefficient names, and none were given");
  std::set<std::string_view> seen;
  for (const auto& n : coef_names)
    if (!seen.insert(n).second) throw InputError("coefficient name '" + n + "' appears twice; contrasts need unique names");
}

/// Offset of the '=' separating NAME from EXPR, or npos. An '=' inside a coefficient name (as
/// in "I(x == 1)TRUE") is skipped by matching names first.
std::size_t find_name_separator(std::string_view spec, const std::vector<std::string>& names) {
  std::vector<std::string> with_equals;
  for (const auto& n : names)
    if (n.find('=') != std::string::npos) with_equals.push_back(n);
  for (std::size_t i = 0; i < spec.size();) {
    if (!with_equals.empty()) {
      if (auto k = match_name(spec, i, with_equals)) {
        i += with_equals[*k].size();
        continue;
      }
    }
    if (spec[i] == '=') return i;
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace
}  // namespace detail

Contrast parse_contrast(std::string_view spec, const std::vector<std::string>& coef_names) {
  using namespace detail;
  check_coef_names(coef_names);
  Contrast out;
  std::size_t expr_begin = 0;
  const std::size_t eq = find_name_separator(spec, coef_names);
  if (eq != std::string_view::npos) {
    const std::string_view name = trim(spec.substr(0, eq));
    if (name.empty()) fail(spec, eq, "the contrast name before '=' is empty");
    out.name = std::string(name);
    expr_begin = eq + 1;
  }
  const std::string_view expr = trim(spec.substr(expr_begin));
  out.expression = std::string(expr);
  if (out.name.empty()) out.name = out.expression;
  Parser parser(spec, tokenize(spec, expr_begin, spec.size(), coef_names), coef_names);
  Value v = parser.parse();
  const auto expr_pos = static_cast<std::size_t>(expr.data() - spec.data());
  if (!v.linear) fail(spec, expr_pos, "the expression names no coefficient");
  if ((v.weights.array() == 0).all())
    fail(spec, expr_pos, "every weight is zero, so the contrast tests nothing (its estimate is 0 for every gene)");
  // One rule wherever contrasts are tested: a contrast named like a coefficient is that
  // coefficient, or the tables would hold two different rows under one name.
  for (std::size_t k = 0; k < coef_names.size(); ++k)
    if (out.name == coef_names[k] && v.weights != Eigen::VectorXd::Unit(v.weights.size(), static_cast<Eigen::Index>(k)))
      throw ParseError("invalid contrast: its name '" + out.name + "' is also a coefficient's name, but it is not that "
                       "coefficient; give it another name (NAME=EXPR)\n  " + std::string(spec));
  out.weights = std::move(v.weights);
  return out;
}

std::vector<Contrast> parse_contrasts(std::span<const std::string> specs,
                                      const std::vector<std::string>& coef_names) {
  std::vector<Contrast> out;
  out.reserve(specs.size());
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    out.push_back(parse_contrast(spec, coef_names));
    if (!seen.insert(out.back().name).second)
      throw ParseError("two contrasts are named '" + out.back().name + "'; give each a distinct NAME=EXPR");
  }
  return out;
}

Eigen::MatrixXd contrast_matrix(const std::vector<Contrast>& contrasts) {
  if (contrasts.empty()) return {};
  const Eigen::Index p = contrasts.front().weights.size();
  Eigen::MatrixXd L(p, static_cast<Eigen::Index>(contrasts.size()));
  for (std::size_t j = 0; j < contrasts.size(); ++j) {
    if (contrasts[j].weights.size() != p)
      throw InputError("contrast '" + contrasts[j].name + "' has " + std::to_string(contrasts[j].weights.size()) +
                       " weights, contrast '" + contrasts.front().name + "' has " + std::to_string(p));
    L.col(static_cast<Eigen::Index>(j)) = contrasts[j].weights;
  }
  return L;
}

std::vector<Contrast> coefficient_contrasts(std::span<const Index> indices,
                                            const std::vector<std::string>& coef_names) {
  const auto p = static_cast<Index>(coef_names.size());
  std::vector<Contrast> out;
  out.reserve(indices.size());
  for (Index i : indices) {
    if (i < 0 || i >= p)
      throw InputError("coefficient index " + std::to_string(i) + " is out of range: there are " + std::to_string(p) +
                       " coefficients (indices are 0-based)");
    Contrast c;
    c.name = c.expression = coef_names[static_cast<std::size_t>(i)];
    c.weights = Eigen::VectorXd::Unit(p, i);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Contrast> coefficient_contrasts(std::span<const std::string> names,
                                            const std::vector<std::string>& coef_names) {
  std::vector<Index> indices;
  indices.reserve(names.size());
  for (const auto& name : names) {
    Index k = 0;
    while (k < static_cast<Index>(coef_names.size()) && coef_names[static_cast<std::size_t>(k)] != name) ++k;
    if (k == static_cast<Index>(coef_names.size())) throw InputError("unknown coefficient '" + name + "'");
    indices.push_back(k);
  }
  return coefficient_contrasts(std::span<const Index>(indices), coef_names);
}

std::vector<Contrast> coefficient_contrasts(const std::vector<std::string>& coef_names) {
  std::vector<Index> indices(coef_names.size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<Index>(i);
  return coefficient_contrasts(std::span<const Index>(indices), coef_names);
}

}  // namespace flashmm
