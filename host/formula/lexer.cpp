#include <flashmm/error.hpp>

#include "formula/ast.hpp"

#include <cctype>
#include <charconv>

namespace flashmm::detail::formula {

std::string with_caret(const std::string& what, const std::string& source, std::size_t pos) {
  std::string line = source;
  for (auto& c : line)
    if (c == '\n' || c == '\t') c = ' ';
  return what + "\n  " + line + "\n  " + std::string(std::min(pos, line.size()), ' ') + "^";
}

namespace {

bool name_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '.' || u >= 0x80;  // bytes of multi-byte UTF-8 letters
}
bool name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '.' || c == '_' || u >= 0x80;
}
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::vector<Token> tokenize(const std::string& s, const std::string& what) {
  const std::string err = "syntax error in " + what + ": ";
  std::vector<Token> out;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (digit(c) || (c == '.' && i + 1 < n && digit(s[i + 1]))) {
      std::size_t j = i;
      while (j < n && digit(s[j])) ++j;
      if (j < n && s[j] == '.') {
        ++j;
        while (j < n && digit(s[j])) ++j;
      }
      if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < n && digit(s[k])) {
          j = k;
          while (j < n && digit(s[j])) ++j;
        }
      }
      t.kind = TokenKind::number;
      t.text = s.substr(i, j - i);
      std::from_chars(s.data() + i, s.data() + j, t.value);
      if (j < n && s[j] == 'L') ++j;  // R's integer suffix: the same number here
      if (j < n && name_char(s[j]))
        throw ParseError(with_caret(err + "a number runs into a name", s, j));
      i = j;
    } else if (name_start(c)) {
      std::size_t j = i;
      while (j < n && name_char(s[j])) ++j;
      t.kind = TokenKind::name;
      t.text = s.substr(i, j - i);
      i = j;
    } else if (c == '`') {
      const auto close = s.find('`', i + 1);
      if (close == std::string::npos)
        throw ParseError(with_caret(err + "a back-quoted name is not closed", s, i));
      t.kind = TokenKind::name;
      t.text = s.substr(i + 1, close - i - 1);
      if (t.text.empty()) throw ParseError(with_caret(err + "empty back-quoted name", s, i));
      i = close + 1;
    } else if (c == '"' || c == '\'') {
      // R's string literal, with the usual backslash escapes.
      std::size_t j = i + 1;
      for (;;) {
        if (j >= n) throw ParseError(with_caret(err + "a string is not closed", s, i));
        if (s[j] == c) break;
        if (s[j] == '\\' && j + 1 < n) {
          const char e = s[j + 1];
          t.text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          j += 2;
          continue;
        }
        t.text += s[j++];
      }
      t.kind = TokenKind::string;
      i = j + 1;
    } else if (c == '%') {
      const auto close = s.find('%', i + 1);
      if (close == std::string::npos)
        throw ParseError(with_caret(err + "an operator %...% is not closed", s, i));
      t.kind = TokenKind::op;
      t.text = s.substr(i, close - i + 1);
      i = close + 1;
    } else if (c == '*' && i + 1 < n && s[i + 1] == '*') {  // R reads ** as ^
      t.kind = TokenKind::op;
      t.text = "^";
      i += 2;
    } else if (c == '<' && i + 1 < n && s[i + 1] == '-') {
      throw ParseError(with_caret(err + "`<-` is R's assignment; for a comparison with a negative "
                                  "number put a space after `<` (x < -1)", s, i));
    } else if ((c == '=' || c == '!' || c == '<' || c == '>') && i + 1 < n && s[i + 1] == '=') {
      t.kind = TokenKind::op;
      t.text = s.substr(i, 2);
      i += 2;
    } else if ((c == '&' || c == '|') && i + 1 < n && s[i + 1] == c) {
      t.kind = TokenKind::op;
      t.text = s.substr(i, 2);
      i += 2;
    } else if (c == '~' || c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == ':' || c == '|' ||
               c == '&' || c == '!' || c == '<' || c == '>' || c == '=') {
      t.kind = TokenKind::op;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '(') {
      t.kind = TokenKind::lparen;
      t.text = "(";
      ++i;
    } else if (c == ')') {
      t.kind = TokenKind::rparen;
      t.text = ")";
      ++i;
    } else if (c == ',') {
      t.kind = TokenKind::comma;
      t.text = ",";
      ++i;
    } else {
      throw ParseError(with_caret(err + "unexpected character '" + std::string(1, c) + "'", s, i));
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = TokenKind::end;
  end.pos = n;
  out.push_back(end);
  return out;
}

}  // namespace flashmm::detail::formula
