// coefficient_terms: each column of X, as the design names it, mapped to its term and the
// variables and metadata columns that term reads, from the formula and the names alone.
#include <gtest/gtest.h>

#include <flashmm/formula.hpp>

#include "support/fixture_metadata.hpp"

#include <string>
#include <vector>

namespace flashmm {
namespace {

using Strings = std::vector<std::string>;

// The terms of the columns model_matrix gives the formula on s1's metadata.
std::vector<CoefficientTerm> terms_of(const std::string& formula) {
  const ModelMatrix m = model_matrix(testing::s1_metadata(), formula);
  const auto terms = coefficient_terms(formula, m.names);
  EXPECT_EQ(terms.size(), m.names.size()) << formula;
  return terms;
}

Strings term_labels(const std::vector<CoefficientTerm>& terms) {
  Strings out;
  for (const auto& t : terms) out.push_back(t.term);
  return out;
}

TEST(CoefficientTerms, HeadlineModel) {
  const auto t = terms_of("~ 0 + log(libsize) + cls + cls:trt");
  EXPECT_EQ(term_labels(t), (Strings{"log(libsize)", "cls", "cls", "cls", "cls", "cls:trt", "cls:trt", "cls:trt",
                                     "cls:trt"}));
  EXPECT_EQ(t[0].variables, Strings{"log(libsize)"});
  EXPECT_EQ(t[0].columns, Strings{"libsize"});
  EXPECT_EQ(t[5].variables, (Strings{"cls", "trt"}));
  EXPECT_EQ(t[5].columns, (Strings{"cls", "trt"}));
}

TEST(CoefficientTerms, InterceptNumbersFactorsAndCalls) {
  const auto t = terms_of("~ log(libsize) + age + relevel(trt, ref = \"B\") + factor(age) + age:cls");
  ASSERT_GE(t.size(), 5u);
  EXPECT_EQ(t[0].term, "(Intercept)");
  EXPECT_TRUE(t[0].variables.empty());
  EXPECT_EQ(t[1].term, "log(libsize)");
  EXPECT_EQ(t[2].term, "age");
  EXPECT_EQ(t[3].term, "relevel(trt, ref = \"B\")");
  EXPECT_EQ(t[3].columns, Strings{"trt"});
  for (std::size_t j = 4; j < t.size(); ++j) {
    const bool interaction = t[j].variables.size() == 2;
    EXPECT_EQ(t[j].term, interaction ? "age:cls" : "factor(age)") << j;
    EXPECT_EQ(t[j].columns, interaction ? (Strings{"age", "cls"}) : Strings{"age"}) << j;
  }
  EXPECT_EQ(t.back().term, "age:cls");
}

// A name of no term (not one the builder gives) gets a term of its own, with no variables.
TEST(CoefficientTerms, UnknownNameIsItsOwnTerm) {
  const auto t = coefficient_terms("~ 0 + cls", {"cls1", "other"});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].term, "cls");
  EXPECT_EQ(t[1].term, "other");
  EXPECT_TRUE(t[1].variables.empty());
}

}  // namespace
}  // namespace flashmm
