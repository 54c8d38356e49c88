// make_categorical: the one recoding of a column as a factor, used by the CSV reader and by
// --categorical on an .h5ad's obs.
#include <flashmm/metadata.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace flashmm {
namespace {

TEST(MetadataMakeCategorical, NumbersSortedAndLabelledAsRPrintsThem) {
  MetadataColumn c;
  c.name = "dose";
  c.numbers = {100000.0, std::nan(""), 0.5, 100000.0, 2.0};
  make_categorical(c);
  EXPECT_EQ(c.name, "dose");
  EXPECT_EQ(c.kind, MetadataColumn::Kind::categorical);
  EXPECT_EQ(c.levels, (std::vector<std::string>{"0.5", "2", "1e+05"}));
  EXPECT_EQ(c.codes, (std::vector<std::int32_t>{2, -1, 0, 2, 1}));
  EXPECT_TRUE(c.numbers.empty());
}

TEST(MetadataMakeCategorical, StringsAndBooleansKeepTheLevelsPresent) {
  MetadataColumn s;
  s.kind = MetadataColumn::Kind::string;
  s.strings = {"b", "a", "", "b"};
  s.missing = {0, 0, 1, 0};
  make_categorical(s);
  EXPECT_EQ(s.levels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.codes, (std::vector<std::int32_t>{1, 0, -1, 1}));

  MetadataColumn b;
  b.kind = MetadataColumn::Kind::boolean;
  b.booleans = {1, 1};
  make_categorical(b);
  EXPECT_EQ(b.levels, (std::vector<std::string>{"TRUE"}));
  EXPECT_EQ(b.codes, (std::vector<std::int32_t>{0, 0}));
}

}  // namespace
}  // namespace flashmm
