#include <flashmm/error.hpp>

#include "formula/ast.hpp"
#include "support/expect.hpp"

#include <gtest/gtest.h>

namespace flashmm::detail::formula {
namespace {

std::string message(const std::string& f) {
  return testing::message_of<ParseError>([&] { parse(f); });
}

// The tree printed fully parenthesised, to check precedence and associativity.
std::string shape(const Node& n) {
  switch (n.kind) {
    case Node::Kind::number: return n.text;
    case Node::Kind::string: return "'" + n.text + "'";
    case Node::Kind::name: return n.text;
    case Node::Kind::paren: return shape(*n.args[0]);
    case Node::Kind::unary: return "[" + n.text + shape(*n.args[0]) + "]";
    case Node::Kind::binary: return "[" + shape(*n.args[0]) + n.text + shape(*n.args[1]) + "]";
    case Node::Kind::call: {
      std::string out = n.text + "(";
      for (std::size_t i = 0; i < n.args.size(); ++i)
        out += (i ? "," : "") + (n.arg_names[i].empty() ? "" : n.arg_names[i] + "=") + shape(*n.args[i]);
      return out + ")";
    }
  }
  return {};
}

TEST(FormulaParser, FollowsRPrecedence) {
  EXPECT_EQ(shape(*parse("~ a + b:c * d")), "[~[a+[[b:c]*d]]]");
  EXPECT_EQ(shape(*parse("a - 1")), "[a-1]");
  EXPECT_EQ(shape(*parse("-a:b")), "[[-a]:b]");          // unary minus binds tighter than ':'
  EXPECT_EQ(shape(*parse("-a^2")), "[-[a^2]]");          // but looser than '^'
  EXPECT_EQ(shape(*parse("a^b^c")), "[a^[b^c]]");        // '^' is right associative
  EXPECT_EQ(shape(*parse("a / b / c")), "[[a/b]/c]");
  EXPECT_EQ(shape(*parse("(a + b)^2")), "[[a+b]^2]");
  EXPECT_EQ(shape(*parse("I(x^-1) + log(y, 2)")), "[I([x^[-1]])+log(y,2)]");
  EXPECT_EQ(shape(*parse("a %in% b : c")), "[a%in%[b:c]]");
  // R's logical and comparison levels (?Syntax): | < & < ! < comparisons < +.
  EXPECT_EQ(shape(*parse("a | b & c")), "[a|[b&c]]");
  EXPECT_EQ(shape(*parse("!a == 1 & b")), "[[![a==1]]&b]");
  EXPECT_EQ(shape(*parse("a + 1 > b * 2")), "[[a+1]>[b*2]]");
  EXPECT_EQ(shape(*parse("x %in% c('A', \"B\") || !y")), "[[x%in%c('A','B')]||[!y]]");
  // lme4's bars sit between ~ and +.
  EXPECT_EQ(shape(*parse("~ x + (1 + z | g)")), "[~[x+[[1+z]|g]]]");
  EXPECT_EQ(shape(*parse("~ 1 + z || g")), "[~[[1+z]||g]]");
  // Named arguments.
  EXPECT_EQ(shape(*parse("relevel(trt, ref = 'B') + factor(x, levels = c(2, 1))")),
            "[relevel(trt,ref='B')+factor(x,levels=c(2,1))]");
}

TEST(FormulaParser, ComparisonsDoNotChainAndEqualsIsForArguments) {
  EXPECT_THROW(parse("a == b == c"), ParseError);
  try {
    parse("cls = 3");
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("compare with =="), std::string::npos) << e.what();
  }
}

// Deep nesting ends with an error, not a stack overflow (issue 14.15), whatever nests: parentheses,
// calls, signs, powers or a long chain of operators.
TEST(FormulaParser, DepthIsLimited) {
  const int n = 10000;
  const auto repeat = [](const std::string& s, int k) {
    std::string out;
    for (int i = 0; i < k; ++i) out += s;
    return out;
  };
  for (const std::string& f : {repeat("(", n) + "x" + repeat(")", n), repeat("I(", n) + "x" + repeat(")", n),
                               "~ " + repeat("-", n) + "x", repeat("!", n) + "x", "x" + repeat("^x", n)}) {
    const std::string m = message(f);
    EXPECT_NE(m.find("nested too deeply (more than 100 parentheses, function calls or signs"), std::string::npos)
        << m.substr(0, 200);
  }
  const std::string chain = message("~ x" + repeat(" + x", n));
  EXPECT_NE(chain.find("its operators nest more than 1000 levels deep"), std::string::npos) << chain.substr(0, 200);
  // Within the limits, it parses.
  EXPECT_NO_THROW(parse(repeat("(", 90) + "x" + repeat(")", 90)));
  EXPECT_NO_THROW(parse("~ x" + repeat(" + x", 900)));
  EXPECT_NE(message(repeat("(", 101) + "x" + repeat(")", 101)).find("nested too deeply"), std::string::npos);
}

TEST(FormulaParser, SyntaxErrorsPointAtTheProblem) {
  EXPECT_EQ(message("~ a + )"), "syntax error in formula: unexpected ')'\n  ~ a + )\n        ^");
  EXPECT_EQ(message("~ a +"), "syntax error in formula: unexpected end of formula\n  ~ a +\n       ^");
  EXPECT_EQ(message("~ log(a"), "syntax error in formula: '(' is not closed\n  ~ log(a\n    ^");
  EXPECT_EQ(message("~ a b"), "syntax error in formula: unexpected 'b'\n  ~ a b\n      ^");
  EXPECT_EQ(message(""), "syntax error in formula: empty formula\n  \n  ^");
}

}  // namespace
}  // namespace flashmm::detail::formula
