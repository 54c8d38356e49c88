// Level order as R users set it (issue 15.3): factor(x, levels = ...) and relevel(), with R's
// semantics for names and positions; values outside the levels and unknown references are errors.
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "support/expect.hpp"

#include <gtest/gtest.h>

namespace flashmm {
namespace {

using testing::expect_error;
using Names = std::vector<std::string>;

Metadata table() {
  Metadata md;
  md.cell_ids = {"c1", "c2", "c3", "c4", "c5", "c6"};
  MetadataColumn dose{"dose"};
  dose.numbers = {10, 1, 5, 10, 1, 5};
  md.columns.push_back(dose);
  MetadataColumn trt{"trt"};
  trt.kind = MetadataColumn::Kind::string;
  trt.strings = {"ctrl", "A", "B", "ctrl", "A", "B"};
  md.columns.push_back(trt);
  MetadataColumn grp{"grp"};  // a stored categorical, as an .h5ad's: its order is the file's
  grp.kind = MetadataColumn::Kind::categorical;
  grp.levels = {"z", "y", "x"};
  grp.codes = {0, 1, 2, 0, 1, 2};
  md.columns.push_back(grp);
  return md;
}

Names names(const std::string& f) { return model_matrix(table(), f).names; }

TEST(Levels, DefaultOrders) {
  EXPECT_EQ(names("~ 0 + trt"), (Names{"trtA", "trtB", "trtctrl"}));            // text: byte order
  EXPECT_EQ(names("~ 0 + grp"), (Names{"grpz", "grpy", "grpx"}));               // stored order
  EXPECT_EQ(names("~ 0 + factor(dose)"), (Names{"factor(dose)1", "factor(dose)5", "factor(dose)10"}));  // by value
}

TEST(Levels, RelevelMovesTheReferenceFirst) {
  EXPECT_EQ(names("~ relevel(trt, ref = 'ctrl')"),
            (Names{"(Intercept)", "relevel(trt, ref = \"ctrl\")A", "relevel(trt, ref = \"ctrl\")B"}));
  EXPECT_EQ(names("~ relevel(grp, 'x')"), (Names{"(Intercept)", "relevel(grp, \"x\")z", "relevel(grp, \"x\")y"}));
  // A number is a position, as in R: the third level of A, B, ctrl.
  EXPECT_EQ(names("~ relevel(trt, ref = 3)"),
            (Names{"(Intercept)", "relevel(trt, ref = 3)A", "relevel(trt, ref = 3)B"}));
  EXPECT_EQ(names("~ relevel(factor(dose), ref = '5')"),
            (Names{"(Intercept)", "relevel(factor(dose), ref = \"5\")1", "relevel(factor(dose), ref = \"5\")10"}));
  const ModelMatrix m = model_matrix(table(), "~ relevel(trt, ref = 'ctrl')");
  for (Eigen::Index i = 0; i < 6; ++i) {
    EXPECT_EQ(m.values(i, 1), i % 3 == 1 ? 1.0 : 0.0);  // A
    EXPECT_EQ(m.values(i, 2), i % 3 == 2 ? 1.0 : 0.0);  // B
  }
}

TEST(Levels, FactorLevelsSetTheOrder) {
  EXPECT_EQ(names("~ factor(dose, levels = c(10, 1, 5))"),
            (Names{"(Intercept)", "factor(dose, levels = c(10, 1, 5))1", "factor(dose, levels = c(10, 1, 5))5"}));
  // Numbers and strings name the same levels (R matches as.character(x)).
  EXPECT_EQ(model_matrix(table(), "~ factor(dose, levels = c('10', '1', '5'))").values,
            model_matrix(table(), "~ factor(dose, levels = c(10, 1, 5))").values);
  EXPECT_EQ(names("~ 0 + factor(trt, c('ctrl', 'B', 'A'))"),
            (Names{"factor(trt, c(\"ctrl\", \"B\", \"A\"))ctrl", "factor(trt, c(\"ctrl\", \"B\", \"A\"))B",
                   "factor(trt, c(\"ctrl\", \"B\", \"A\"))A"}));
  // A listed level no cell has is left out, with a warning.
  const ModelMatrix extra = model_matrix(table(), "~ 0 + factor(trt, levels = c('ctrl', 'D', 'A', 'B'))");
  EXPECT_EQ(extra.names.size(), 3u);
  ASSERT_EQ(extra.warnings.size(), 1u);
  EXPECT_NE(extra.warnings[0].find("`D`"), std::string::npos) << extra.warnings[0];
}

TEST(Levels, ErrorsNameTheLevels) {
  expect_error<InputError>([] { names("~ relevel(trt, ref = 'Ctrl')"); },
                           {"`Ctrl` is not a level", "`A`, `B`, `ctrl`", "`ctrl`"});
  expect_error<InputError>([] { names("~ relevel(trt, ref = 4)"); }, {"position of a level", "from 1 to 3", "ref = \"4\""});
  expect_error<InputError>([] { names("~ relevel(dose, ref = '5')"); }, {"`dose` is numeric", "relevel(factor(dose)"});
  expect_error<InputError>([] { names("~ factor(trt, levels = c('A', 'B'))"); },
                           {"2 of 6 cells have a value that is not among the levels (`ctrl`; e.g. cell `c1`)",
                            "leave those cells out with a cell subset"});
  expect_error<ParseError>([] { names("~ factor(dose, levels = c(1, 1))"); }, {"listed twice"});
}

}  // namespace
}  // namespace flashmm
