#include <flashmm/error.hpp>

#include "formula/ast.hpp"

#include <gtest/gtest.h>

namespace flashmm::detail::formula {
namespace {

// The tree printed fully parenthesised, to check precedence and associativity.
std::string shape(const Node& n) {
  switch (n.kind) {
    case Node::Kind::number: return n.text;
    case Node::Kind::name: return n.text;
    case Node::Kind::paren: return shape(*n.args[0]);
    case Node::Kind::unary: return "[" + n.text + shape(*n.args[0]) + "]";
    case Node::Kind::binary: return "[" + shape(*n.args[0]) + n.text + shape(*n.args[1]) + "]";
    case Node::Kind::call: {
      std::string out = n.text + "(";
      for (std::size_t i = 0; i < n.args.size(); ++i) out += (i ? "," : "") + shape(*n.args[i]);
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
}

TEST(FormulaParser, SyntaxErrorsPointAtTheProblem) {
  const auto message = [](const std::string& f) {
    try {
      parse(f);
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message("~ a + )"), "syntax error in formula: unexpected ')'\n  ~ a + )\n        ^");
  EXPECT_EQ(message("~ a +"), "syntax error in formula: unexpected end of formula\n  ~ a +\n       ^");
  EXPECT_EQ(message("~ log(a"), "syntax error in formula: '(' is not closed\n  ~ log(a\n    ^");
  EXPECT_EQ(message("~ a b"), "syntax error in formula: unexpected 'b'\n  ~ a b\n      ^");
  EXPECT_EQ(message(""), "syntax error in formula: empty formula\n  \n  ^");
}

}  // namespace
}  // namespace flashmm::detail::formula
