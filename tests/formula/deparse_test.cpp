#include "formula/ast.hpp"

#include <gtest/gtest.h>

namespace flashmm::detail::formula {
namespace {

std::string rd(const std::string& s) { return deparse(*parse(s)); }

TEST(FormulaDeparse, PrintsAsRDoes) {
  EXPECT_EQ(rd("log( libsize )"), "log(libsize)");
  EXPECT_EQ(rd("exp(age / 100)"), "exp(age/100)");
  EXPECT_EQ(rd("I(age^2)"), "I(age^2)");
  EXPECT_EQ(rd("I(age+1)"), "I(age + 1)");
  EXPECT_EQ(rd("I(2*age - 1.50)"), "I(2 * age - 1.5)");
  EXPECT_EQ(rd("I((age + 1)^2)"), "I((age + 1)^2)");
  EXPECT_EQ(rd("I(-age)"), "I(-age)");
  EXPECT_EQ(rd("I(age * 1e5)"), "I(age * 1e+05)");
  EXPECT_EQ(rd("log(x, 2)"), "log(x, 2)");
  EXPECT_EQ(rd("`my col`"), "`my col`");
  EXPECT_EQ(rd("log(`my col`)"), "log(`my col`)");
  EXPECT_EQ(rd("`plain`"), "plain");
}

TEST(FormulaDeparse, SyntacticNames) {
  EXPECT_TRUE(is_syntactic_name("cluster_name"));
  EXPECT_TRUE(is_syntactic_name(".x1"));
  EXPECT_FALSE(is_syntactic_name(".1x"));
  EXPECT_FALSE(is_syntactic_name("1x"));
  EXPECT_FALSE(is_syntactic_name("a b"));
  EXPECT_FALSE(is_syntactic_name("_a"));
  EXPECT_FALSE(is_syntactic_name("if"));
}

}  // namespace
}  // namespace flashmm::detail::formula
