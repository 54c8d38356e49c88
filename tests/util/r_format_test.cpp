#include "util/r_format.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace flashmm::detail {
namespace {

TEST(RFormat, MatchesAsCharacter) {
  EXPECT_EQ(r_format_number(30), "30");
  EXPECT_EQ(r_format_number(54.4), "54.4");
  EXPECT_EQ(r_format_number(-0.5), "-0.5");
  EXPECT_EQ(r_format_number(100000), "1e+05");
  EXPECT_EQ(r_format_number(123456), "123456");
  EXPECT_EQ(r_format_number(0.0001), "1e-04");
  EXPECT_EQ(r_format_number(0.001), "0.001");
  EXPECT_EQ(r_format_number(0.1 + 0.2), "0.3");
  EXPECT_EQ(r_format_number(1.0 / 3), "0.333333333333333");
  EXPECT_EQ(r_format_number(1234567.1), "1234567.1");
  EXPECT_EQ(r_format_number(1e-300), "1e-300");
  EXPECT_EQ(r_format_number(1.5e15), "1.5e+15");
  EXPECT_EQ(r_format_number(0), "0");
  EXPECT_EQ(r_format_number(-INFINITY), "-Inf");
}

}  // namespace
}  // namespace flashmm::detail
