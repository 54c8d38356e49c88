#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include <gtest/gtest.h>

namespace flashmm {
namespace {

using Labels = std::vector<std::string>;

Labels labels(const std::string& f) { return parse_formula(f).term_labels; }

TEST(FormulaTerms, ExpandsAsRTermsDoes) {
  EXPECT_EQ(labels("~ a * b"), (Labels{"a", "b", "a:b"}));
  EXPECT_EQ(labels("~ a*b*c"), (Labels{"a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"}));
  EXPECT_EQ(labels("~ (a + b + c)^2"), (Labels{"a", "b", "c", "a:b", "a:c", "b:c"}));
  EXPECT_EQ(labels("~ a:b + a"), (Labels{"a", "a:b"}));  // by degree
  EXPECT_EQ(labels("~ b:a + a"), (Labels{"a", "b:a"}));  // variables in order of appearance
  EXPECT_EQ(labels("~ a + b + a + a:b + b:a"), (Labels{"a", "b", "a:b"}));
  EXPECT_EQ(labels("~ a*b - a"), (Labels{"b", "a:b"}));
  EXPECT_EQ(labels("~ a/b"), (Labels{"a", "a:b"}));
  EXPECT_EQ(labels("~ (a + b)/c"), (Labels{"a", "b", "a:b:c"}));
  EXPECT_EQ(labels("~ log(x) + log( x ) + I(x^2)"), (Labels{"log(x)", "I(x^2)"}));
  EXPECT_EQ(labels("a + b"), (Labels{"a", "b"}));  // `~` optional
}

TEST(FormulaTerms, Intercept) {
  EXPECT_TRUE(parse_formula("~ a").intercept);
  EXPECT_FALSE(parse_formula("~ 0 + a").intercept);
  EXPECT_FALSE(parse_formula("~ a - 1").intercept);
  EXPECT_FALSE(parse_formula("~ -1 + a").intercept);
  EXPECT_FALSE(parse_formula("~ a + 0").intercept);
  EXPECT_TRUE(parse_formula("~ 0 + a + 1").intercept);
  EXPECT_TRUE(parse_formula("~ 1").intercept);
  EXPECT_TRUE(parse_formula("~ 1").term_labels.empty());
  EXPECT_TRUE(parse_formula("~ a - 0").intercept);  // R's parity rule
}

TEST(FormulaTerms, Variables) {
  EXPECT_EQ(parse_formula("~ 0 + log(libsize) + cls + cls:trt").variables, (Labels{"log(libsize)", "cls", "trt"}));
}

TEST(FormulaTerms, Errors) {
  const auto message = [](const std::string& f) {
    try {
      parse_formula(f);
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message("~ foo(x)").find("unknown function `foo()`"), std::string::npos);
  EXPECT_NE(message("~ foo(x)").find("\n  ~ foo(x)\n    ^"), std::string::npos);
  EXPECT_NE(message("y ~ x").find("response"), std::string::npos);
  EXPECT_NE(message("~ (1 | sam)").find("~ 0 + sam"), std::string::npos);
  EXPECT_NE(message("~ a + 2").find("only 0 and 1"), std::string::npos);
  EXPECT_NE(message("~ (a + b)^x").find("positive whole number"), std::string::npos);
  EXPECT_NE(message("~ I(factor(a) + 1)").find("categorical"), std::string::npos);
  EXPECT_NE(message("~ log(a:b)").find("operator `:`"), std::string::npos);
  EXPECT_NE(message("~ C(a, helmert)").find("treatment"), std::string::npos);
  EXPECT_NE(message("~ .").find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace flashmm
