// Numbers that are labels (issue 15.4 / 14.10): a numeric column of cluster ids used as a slope
// gets a warning, and the design says which X columns read numeric columns.
#include <flashmm/formula.hpp>

#include "support/fixture_metadata.hpp"

#include <gtest/gtest.h>

namespace flashmm {
namespace {

using Names = std::vector<std::string>;

Metadata table() {
  Metadata md;
  for (int i = 0; i < 12; ++i) md.cell_ids.push_back("c" + std::to_string(i));
  MetadataColumn cls{"cls"};  // pandas' cluster ids: 0, 1, 2, 3
  MetadataColumn age{"age"};  // whole years, not labels
  MetadataColumn flag{"flag"};  // 0/1: as a slope it codes what a factor codes
  MetadataColumn x{"x"};
  MetadataColumn trt{"trt"};
  trt.kind = MetadataColumn::Kind::string;
  for (int i = 0; i < 12; ++i) {
    cls.numbers.push_back(i % 4);
    age.numbers.push_back(30 + 3 * (i % 5));
    flag.numbers.push_back(i % 2);
    x.numbers.push_back(0.5 * i + 1);
    trt.strings.push_back(i < 6 ? "A" : "B");
  }
  for (auto* c : {&cls, &age, &flag, &x, &trt}) md.columns.push_back(*c);
  return md;
}

TEST(NumericLabels, ClusterIdsAsASlopeWarn) {
  const DesignBuilder b(table(), "~ 0 + x + cls + cls:trt + age + flag", {"(1 | trt)"});
  EXPECT_EQ(b.numeric_label_columns(), Names{"cls"});
  ASSERT_EQ(b.warnings().size(), 1u);
  const std::string& w = b.warnings()[0];
  EXPECT_NE(w.find("`cls` is numeric with 4 distinct whole-number values (0, 1, 2, 3)"), std::string::npos) << w;
  EXPECT_NE(w.find("factor(cls)"), std::string::npos) << w;
}

TEST(NumericLabels, NoWarningForFactorsOfThemOrAsGroupingFactors) {
  for (const std::string& f : {"~ 0 + factor(cls) + x", "~ x + (1 | cls)", "~ x + relevel(factor(cls), ref = '2')"}) {
    const DesignBuilder b(table(), f);
    EXPECT_TRUE(b.numeric_label_columns().empty()) << f;
    EXPECT_TRUE(b.warnings().empty()) << f;
  }
}

TEST(NumericLabels, FixedColumnsSayWhichNumericColumnsTheyRead) {
  const DesignBuilder b(table(), "~ log(x) + cls:trt + I(age * x)");
  EXPECT_EQ(b.fixed_names(), (Names{"(Intercept)", "log(x)", "I(age * x)", "cls:trtA", "cls:trtB"}));
  EXPECT_EQ(b.fixed_numeric_columns(),
            (std::vector<Names>{{}, {"x"}, {"age", "x"}, {"cls"}, {"cls"}}));
}

// The instance of the issue: s1's cls read from the CSV as numbers, as R's read.csv reads them.
TEST(NumericLabels, S1ClsFromTheCsvWarns) {
  Metadata md = testing::s1_metadata();
  MetadataColumn& cls = *std::find_if(md.columns.begin(), md.columns.end(), [](const auto& c) { return c.name == "cls"; });
  MetadataColumn numeric{"cls"};
  for (const auto& s : cls.strings) numeric.numbers.push_back(std::stod(s));
  cls = numeric;
  const DesignBuilder b(md, "~ 0 + log(libsize) + cls + cls:trt", {"(1 | sam)"});
  EXPECT_EQ(b.numeric_label_columns(), Names{"cls"});
  EXPECT_EQ(b.fixed_names(), (Names{"log(libsize)", "cls", "cls:trtA", "cls:trtB"}));
}

}  // namespace
}  // namespace flashmm
