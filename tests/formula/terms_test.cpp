#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"

namespace flashmm {
namespace {

using Labels = std::vector<std::string>;

Labels labels(const std::string& f) { return parse_formula(f).term_labels; }

std::string message(const std::string& f) {
  return testing::message_of<ParseError>([&] { parse_formula(f); });
}

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
  EXPECT_NE(message("~ foo(x)").find("unknown function `foo()`"), std::string::npos);
  EXPECT_NE(message("~ foo(x)").find("\n  ~ foo(x)\n    ^"), std::string::npos);
  EXPECT_NE(message("y ~ x").find("response"), std::string::npos);
  EXPECT_NE(message("~ \"a\"").find("back quotes"), std::string::npos);
  EXPECT_NE(message("~ a + 2").find("only 0 and 1"), std::string::npos);
  EXPECT_NE(message("~ (a + b)^x").find("positive whole number"), std::string::npos);
  EXPECT_NE(message("~ I(factor(a) + 1)").find("categorical"), std::string::npos);
  EXPECT_NE(message("~ log(a:b)").find("operator `:`"), std::string::npos);
  EXPECT_NE(message("~ C(a, helmert)").find("treatment"), std::string::npos);
  EXPECT_NE(message("~ .").find("not supported"), std::string::npos);
}

using Components = std::vector<std::string>;

TEST(FormulaTerms, BarTermsAreRandomComponents) {
  const auto f = parse_formula("~ 0 + log(libsize) + cls + cls:trt + (1 | sam)");
  EXPECT_FALSE(f.intercept);
  EXPECT_EQ(f.term_labels, (Labels{"log(libsize)", "cls", "cls:trt"}));  // the bar is no fixed term
  EXPECT_EQ(f.random_components, Components{"sam"});
  EXPECT_EQ(parse_formula("(1|sam) + (1|batch)").random_components, (Components{"sam", "batch"}));
  EXPECT_EQ(parse_formula("~ (0 + age | sam)").random_components, Components{"age|sam"});
  EXPECT_EQ(parse_formula("~ (0 + log(age) | sam)").random_components, Components{"log(age)|sam"});
  EXPECT_EQ(parse_formula("1 | sam").random_components, Components{"sam"});  // lme4 reads y ~ 1 | g too
  // lme4's || writes independent terms: the intercept and each slope a component.
  EXPECT_EQ(parse_formula("~ (1 + age + dose || sam)").random_components, (Components{"sam", "age|sam", "dose|sam"}));
  EXPECT_EQ(parse_formula("~ (age || sam)").random_components, (Components{"sam", "age|sam"}));
  EXPECT_EQ(parse_formula("~ (1 | factor(sam))").random_components, Components{"factor(sam)"});
  EXPECT_TRUE(parse_formula("~ x + (1 | sam)").intercept);
}

TEST(FormulaTerms, CorrelatedAndMisplacedBarTermsAreRefused) {
  for (const std::string& f : {"~ (1 + age | sam)", "~ (age | sam)"}) {
    const std::string m = message(f);
    EXPECT_NE(m.find("correlated random effects"), std::string::npos) << m;
    EXPECT_NE(m.find("independent variance components"), std::string::npos) << m;
    EXPECT_NE(m.find("write (1 | sam) + (0 + age | sam)"), std::string::npos) << m;
  }
  EXPECT_NE(message("~ (0 + age + dose | sam)").find("write (0 + age | sam) + (0 + dose | sam)"), std::string::npos);
  EXPECT_NE(message("~ (0 | sam)").find("no term on the left"), std::string::npos);
  EXPECT_NE(message("~ x:(1 | sam)").find("must be a term of the formula itself"), std::string::npos);
  EXPECT_NE(message("~ x * (1 | sam)").find("must be a term of the formula itself"), std::string::npos);
  EXPECT_NE(message("~ (1 | sam/batch)").find("combination of columns"), std::string::npos);
  EXPECT_NE(message("~ (1 | sam:batch)").find("combination of columns"), std::string::npos);
  EXPECT_NE(message("~ (1 | log(x))").find("must be a column"), std::string::npos);
}

TEST(FormulaTerms, RelevelAndFactorLevelsAreCheckedWhenParsed) {
  EXPECT_EQ(parse_formula("~ relevel(trt, ref = 'B')").variables, Labels{"relevel(trt, ref = \"B\")"});
  EXPECT_EQ(parse_formula("~ relevel(trt,\"B\")").variables, Labels{"relevel(trt, \"B\")"});
  EXPECT_EQ(parse_formula("~ factor(x, levels=c('b','a'))").variables, Labels{"factor(x, levels = c(\"b\", \"a\"))"});
  EXPECT_EQ(parse_formula("~ relevel(factor(x, c(3, 1, 2)), ref = 2)").variables,
            Labels{"relevel(factor(x, c(3, 1, 2)), ref = 2)"});
  EXPECT_NE(message("~ relevel(trt)").find("needs the reference level"), std::string::npos);
  EXPECT_NE(message("~ relevel(log(x), ref = 'a')").find("needs a factor"), std::string::npos);
  EXPECT_NE(message("~ relevel(trt, reff = 'a')").find("has no argument `reff`"), std::string::npos);
  EXPECT_NE(message("~ relevel(trt, 'a', 'b')").find("at most 2 arguments"), std::string::npos);
  EXPECT_NE(message("~ factor(x, levels = c('a', 'a'))").find("listed twice"), std::string::npos);
  EXPECT_NE(message("~ factor(x, levels = c(a, b))").find("must be a string or a number"), std::string::npos);
  EXPECT_NE(message("~ c('a')").find("`c()` can only list the levels"), std::string::npos);
  EXPECT_NE(message("~ log(relevel(trt, ref = 'a'))").find("categorical"), std::string::npos);
}

}  // namespace
}  // namespace flashmm
