#include <flashmm/error.hpp>

#include "formula/terms.hpp"
#include "formula/variables.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace flashmm::detail::formula {
namespace {

Metadata small_table() {
  Metadata md;
  for (int i = 0; i < 6; ++i) md.cell_ids.push_back("c" + std::to_string(i));
  MetadataColumn x;
  x.name = "x";
  x.numbers = {1, 2, 4, 8, 16, 1000};
  md.columns.push_back(x);
  MetadataColumn g;
  g.name = "g";
  g.kind = MetadataColumn::Kind::string;
  g.strings = {"b", "a", "b", "c", "a", "z"};
  md.columns.push_back(g);
  MetadataColumn f;
  f.name = "flag";
  f.kind = MetadataColumn::Kind::boolean;
  f.booleans = {1, 1, 1, 1, 1, 0};
  md.columns.push_back(f);
  return md;
}

EvaluatedVariable eval(const std::string& formula, const std::vector<Index>& rows) {
  const Metadata md = small_table();
  const ParsedFormula f = parse_terms(formula);
  std::vector<std::string> warnings;
  check_columns_exist(f.variables.at(0), md, f.source);
  return evaluate(f.variables.at(0), md, rows, f.source, warnings);
}

TEST(FormulaVariables, ScaleUsesAllGivenCells) {
  // The last cell is not used: scale() centres and scales over the used cells only.
  const auto v = eval("~ scale(x)", {0, 1, 2, 3, 4});
  double mean = 0, ss = 0;
  for (double y : v.values) mean += y;
  for (double y : v.values) ss += y * y;
  EXPECT_NEAR(mean, 0, 1e-14);
  EXPECT_NEAR(ss / 4, 1, 1e-14);  // sd with n - 1
  EXPECT_NEAR(v.values[0], (1 - 6.2) / std::sqrt(37.2), 1e-14);
}

TEST(FormulaVariables, NumericFunctions) {
  EXPECT_DOUBLE_EQ(eval("~ log(x, 2)", {3}).values[0], 3);
  EXPECT_DOUBLE_EQ(eval("~ log10(x)", {5}).values[0], 3);
  EXPECT_DOUBLE_EQ(eval("~ I(-x^2/2 + 1)", {2}).values[0], -7);
  EXPECT_DOUBLE_EQ(eval("~ I(flag * 3)", {0, 5}).values[1], 0);  // logicals are 0/1 in arithmetic
  EXPECT_THROW(eval("~ I(1/(x - 2))", {0, 1, 2}), InputError);     // infinite
}

TEST(FormulaVariables, CategoricalLevels) {
  const auto g = eval("~ g", {0, 1, 2, 3, 4});
  EXPECT_TRUE(g.categorical);
  EXPECT_EQ(g.levels, (std::vector<std::string>{"a", "b", "c"}));  // sorted, used cells only
  EXPECT_EQ(g.codes, (std::vector<std::int32_t>{1, 0, 1, 2, 0}));
  const auto fx = eval("~ factor(x)", {5, 3, 0, 3});
  EXPECT_EQ(fx.levels, (std::vector<std::string>{"1", "8", "1000"}));
  EXPECT_EQ(fx.codes, (std::vector<std::int32_t>{2, 1, 0, 1}));
  EXPECT_EQ(eval("~ flag", {0, 1}).levels, (std::vector<std::string>{"FALSE", "TRUE"}));       // R's logical
  EXPECT_EQ(eval("~ factor(flag)", {0, 1}).levels, (std::vector<std::string>{"TRUE"}));       // levels present
  EXPECT_EQ(eval("~ C(g, treatment)", {5, 0}).levels, (std::vector<std::string>{"b", "z"}));
}

TEST(FormulaVariables, DomainErrorsCountCells) {
  try {
    eval("~ log(x - 2)", {0, 1, 2, 3});
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("`log(x - 2)`: 2 of 4 cells have a non-positive value (e.g. cell `c0`: -1)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\n  ~ log(x - 2)\n    ^"), std::string::npos) << msg;
  }
  EXPECT_THROW(eval("~ log1p(x - 3)", {0}), InputError);
  EXPECT_THROW(eval("~ scale(x)", {0}), InputError);  // one cell: no sd
}

}  // namespace
}  // namespace flashmm::detail::formula
