// Cell subsets as R's subset() reads them (issue 15.5): comparisons, %in%, is.na, & | !, R's NA
// rules and its coercions between numbers and text; cells outside are dropped by the design.
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "formula/subset.hpp"
#include "support/expect.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace flashmm {
namespace {

using detail::formula::evaluate_subset;
using testing::expect_error;
using L = std::vector<std::int8_t>;

Metadata table() {
  Metadata md;
  md.cell_ids = {"c1", "c2", "c3", "c4", "c5"};
  MetadataColumn cls{"cls"};  // cluster ids written as numbers
  cls.numbers = {3, 1, 3, 10, std::nan("")};
  md.columns.push_back(cls);
  MetadataColumn trt{"trt"};
  trt.kind = MetadataColumn::Kind::string;
  trt.strings = {"A", "B", "C", "A", ""};
  trt.missing = {0, 0, 0, 0, 1};
  md.columns.push_back(trt);
  MetadataColumn grp{"grp"};
  grp.kind = MetadataColumn::Kind::categorical;
  grp.levels = {"3", "x"};
  grp.codes = {0, 1, 0, -1, 1};
  md.columns.push_back(grp);
  MetadataColumn ok{"ok"};
  ok.kind = MetadataColumn::Kind::boolean;
  ok.booleans = {1, 0, 1, 1, 0};
  md.columns.push_back(ok);
  MetadataColumn age{"age"};
  age.numbers = {20, 30, 40, 50, 60};
  md.columns.push_back(age);
  return md;
}

L eval(const std::string& s) { return evaluate_subset(s, table()); }

TEST(CellSubset, ComparisonsWithRsCoercions) {
  EXPECT_EQ(eval("cls == 3"), (L{1, 0, 1, 0, -1}));
  EXPECT_EQ(eval("cls == \"3\""), (L{1, 0, 1, 0, -1}));  // a number against text compares as text
  EXPECT_EQ(eval("grp == 3"), (L{1, 0, 1, -1, 0}));      // a factor level against a number, likewise
  EXPECT_EQ(eval("trt != 'A'"), (L{0, 1, 1, 0, -1}));
  EXPECT_EQ(eval("age >= 40"), (L{0, 0, 1, 1, 1}));
  EXPECT_EQ(eval("30 < age"), (L{0, 0, 1, 1, 1}));
}

TEST(CellSubset, InIsNaAndLogic) {
  EXPECT_EQ(eval("trt %in% c('A', 'C')"), (L{1, 0, 1, 1, 0}));  // %in% of a missing value is FALSE
  EXPECT_EQ(eval("cls %in% c(1, 10)"), (L{0, 1, 0, 1, 0}));
  EXPECT_EQ(eval("cls %in% 3"), (L{1, 0, 1, 0, 0}));
  EXPECT_EQ(eval("is.na(trt)"), (L{0, 0, 0, 0, 1}));
  EXPECT_EQ(eval("!is.na(cls) & ok"), (L{1, 0, 1, 1, 0}));
  // R's three-valued logic: FALSE & NA is FALSE, TRUE | NA is TRUE.
  EXPECT_EQ(eval("age < 50 & cls == 3"), (L{1, 0, 1, 0, 0}));
  EXPECT_EQ(eval("age > 50 | cls == 3"), (L{1, 0, 1, 0, 1}));
  EXPECT_EQ(eval("age > 50 & cls == 3 | age == 20"), (L{1, 0, 0, 0, -1}));
  EXPECT_EQ(eval("!(cls == 3)"), (L{0, 1, 0, 1, -1}));
  EXPECT_EQ(eval("ok && trt == 'A' || age == 30"), (L{1, 1, 0, 1, 0}));
  EXPECT_EQ(eval("TRUE"), (L{1, 1, 1, 1, 1}));
}

TEST(CellSubset, Errors) {
  expect_error<InputError>([] { eval("cls == 30"); },
                           {"selects none of the 5 cells", "no cell has `cls` \"30\" (its values: \"1\", \"10\", \"3\")"});
  expect_error<InputError>([] { eval("clss == 3"); }, {"no column `clss`", "`cls`"});
  expect_error<ParseError>([] { eval("trt > 'A'"); }, {"`>` compares numbers", "compare text with == != or %in%"});
  expect_error<ParseError>([] { eval("age * 2 > 3"); }, {"arithmetic is not supported"});
  expect_error<ParseError>([] { eval("trt"); }, {"not a logical", "trt == \"value\""});
  expect_error<ParseError>([] { eval("cls = 3"); }, {"syntax error in cell subset", "compare with =="});
  expect_error<ParseError>([] { eval("nchar(trt) > 1"); }, {"`nchar()` cannot be used"});
  expect_error<ParseError>([] { eval(std::string(500, '(') + "ok" + std::string(500, ')')); }, {"nested too deeply"});
}

TEST(CellSubset, TheDesignDropsCellsOutsideAndCountsThem) {
  DesignOptions opt;
  opt.subset = "trt %in% c('A', 'B')";
  const DesignBuilder b(table(), "~ age", {}, opt);
  EXPECT_EQ(b.used_cells(), (std::vector<Index>{0, 1, 3}));
  EXPECT_EQ(b.cell_counts().rows, 5);
  EXPECT_EQ(b.cell_counts().outside_subset, 2);
  EXPECT_EQ(b.cell_counts().missing, 0);
  EXPECT_EQ(b.cell_counts().used, 3);
  // Missing values are counted among the cells the subset keeps only.
  opt.subset = "age > 25";
  const DesignBuilder m(table(), "~ trt", {}, opt);
  EXPECT_EQ(m.cell_counts().outside_subset, 1);
  EXPECT_EQ(m.cell_counts().missing, 1);
  EXPECT_EQ(m.used_cells(), (std::vector<Index>{1, 2, 3}));
  ASSERT_EQ(m.warnings().size(), 1u);
  EXPECT_NE(m.warnings()[0].find("dropped 1 of 4 selected cells"), std::string::npos) << m.warnings()[0];
  // Levels the subset leaves out are left out without a warning: that is what was asked.
  opt.subset = "trt == 'C' | age == 20";
  const DesignBuilder g(table(), "~ 0 + age + grp", {}, opt);
  EXPECT_EQ(g.fixed_names(), (std::vector<std::string>{"age", "grp3"}));
  EXPECT_TRUE(g.warnings().empty());
  // The subset's rows equal the whole design's rows of those cells.
  const ModelMatrix whole = model_matrix(table(), "~ age");
  RowMatrixXd X;
  SparseRowMatrix Z;
  b.build(0, b.n_used_cells(), X, Z);
  for (Index i = 0; i < 3; ++i) EXPECT_EQ(X.row(i), whole.values.row(b.used_cells()[static_cast<std::size_t>(i)]));
}

}  // namespace
}  // namespace flashmm
