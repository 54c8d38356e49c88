// The one case-insensitive suffix test the readers use for format and delimiter detection.
#include "io/path_util.hpp"

#include <gtest/gtest.h>

namespace flashmm::testing {
namespace {

TEST(PathUtil, EndsWithIgnoresCaseOnBothSides) {
  using detail::ends_with_nocase;
  EXPECT_TRUE(ends_with_nocase("cells.CSV", ".csv"));
  EXPECT_TRUE(ends_with_nocase("cells.csv", ".CSV"));
  EXPECT_TRUE(ends_with_nocase("Data.H5AD", ".h5ad"));
  EXPECT_TRUE(ends_with_nocase("x.mtx.gz", ".MTX.GZ"));
  EXPECT_TRUE(ends_with_nocase(".h5", ".h5"));
  EXPECT_TRUE(ends_with_nocase("anything", ""));
  EXPECT_FALSE(ends_with_nocase("h5", ".h5"));
  EXPECT_FALSE(ends_with_nocase("cells.csv.gz", ".csv"));
  EXPECT_FALSE(ends_with_nocase("cells.tsv", ".csv"));
}

}  // namespace
}  // namespace flashmm::testing
