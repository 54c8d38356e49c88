#include <flashmm/error.hpp>

#include "formula/ast.hpp"

#include <gtest/gtest.h>

namespace flashmm::detail::formula {
namespace {

TEST(FormulaLexer, SplitsNamesNumbersAndOperators) {
  const auto t = tokenize("~ 0 + log(`lib size`) + a.b_1:x %in% y + 1.5e-3 ** 2");
  std::vector<std::string> texts;
  for (const auto& tok : t) texts.push_back(tok.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"~", "0", "+", "log", "(", "lib size", ")", "+", "a.b_1", ":", "x", "%in%",
                                             "y", "+", "1.5e-3", "^", "2", ""}));
  EXPECT_EQ(t.back().kind, TokenKind::end);
  EXPECT_DOUBLE_EQ(t[14].value, 1.5e-3);
  EXPECT_EQ(t[5].kind, TokenKind::name);
  EXPECT_EQ(t[5].pos, 10u);  // the opening back quote
}

TEST(FormulaLexer, StrayCharacterShowsCaret) {
  try {
    tokenize("~ a + b$c");
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected character '$'\n  ~ a + b$c\n         ^"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tokenize("~ `open"), ParseError);
  EXPECT_THROW(tokenize("~ \"open"), ParseError);
}

TEST(FormulaLexer, StringsComparisonsAndLogicalOperators) {
  const auto t = tokenize("relevel(trt, ref = 'B\\'s') & a != \"x\" | !b <= 2 || c >= -1 && d == e");
  std::vector<std::string> texts;
  std::vector<TokenKind> kinds;
  for (const auto& tok : t) {
    texts.push_back(tok.text);
    kinds.push_back(tok.kind);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"relevel", "(", "trt", ",", "ref", "=", "B's", ")", "&", "a", "!=", "x", "|",
                                             "!", "b", "<=", "2", "||", "c", ">=", "-", "1", "&&", "d", "==", "e", ""}));
  EXPECT_EQ(kinds[6], TokenKind::string);
  EXPECT_EQ(kinds[11], TokenKind::string);
  try {
    tokenize("age<-3");
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("`<-` is R's assignment"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flashmm::detail::formula
