// ExactSums: sums that do not depend on the order or grouping of the terms, and are exact to the
// window (checked against long double sums of integers and against a known cancellation).
#include <flashmm/error.hpp>
#include <flashmm/exact_sums.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace flashmm {
namespace {

double sum_in_order(const std::vector<double>& terms) {
  ExactSums e(1);
  for (double t : terms) e.add(0, t);
  return e.value(0);
}

TEST(ExactSums, OrderAndGroupingDoNotChangeABit) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> terms;
  for (int i = 0; i < 2000; ++i) terms.push_back(normal(rng) * std::pow(10.0, i % 7 - 3));
  const double ref = sum_in_order(terms);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(terms.begin(), terms.end(), rng);
    EXPECT_EQ(sum_in_order(terms), ref);
    // Split into three groups summed apart, merged in another order.
    ExactSums a(1), b(1), c(1);
    for (std::size_t i = 0; i < terms.size(); ++i) (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add(0, terms[i]);
    c.merge(a);
    c.merge(b);
    EXPECT_EQ(c.value(0), ref);
  }
}

TEST(ExactSums, CancellationIsExact) {
  // 1e16 + 1 - 1e16 loses the 1 in doubles; the exact sum keeps it.
  EXPECT_EQ(sum_in_order({1e16, 1.0, -1e16}), 1.0);
  EXPECT_EQ(sum_in_order({1e16, 1.0, -1e16, -1.0}), 0.0);
  // 0.1 + 0.2 - 0.3 of the nearest doubles is exact in long double's 64-bit significand.
  const long double tenth = 0.1, fifth = 0.2, three_tenths = 0.3;
  EXPECT_EQ(sum_in_order({0.1, 0.2, -0.3}), static_cast<double>(tenth + fifth - three_tenths));
  EXPECT_NE(sum_in_order({0.1, 0.2, -0.3}), 0.0);
  // Small integers: exact, as their plain sum.
  std::vector<double> ints;
  double plain = 0;
  for (int i = -500; i < 700; ++i) ints.push_back(i * 3.0), plain += i * 3.0;
  EXPECT_EQ(sum_in_order(ints), plain);
  // The sum of the doubles nearest 0.1, ten times: the exact sum rounded once.
  std::vector<double> tenths(10, 0.1);
  const long double exact = 10.0L * static_cast<long double>(0.1);
  EXPECT_EQ(sum_in_order(tenths), static_cast<double>(exact));
}

TEST(ExactSums, ExtremesAndSigns) {
  const double tiny = std::numeric_limits<double>::denorm_min(), huge = std::numeric_limits<double>::max() / 4;
  EXPECT_EQ(sum_in_order({tiny, tiny}), 2 * tiny);
  EXPECT_EQ(sum_in_order({huge, huge, -huge}), huge);
  EXPECT_EQ(sum_in_order({-2.5, -0.5}), -3.0);
  EXPECT_EQ(sum_in_order({}), 0.0);
  EXPECT_EQ(sum_in_order({-0.0}), 0.0);
  EXPECT_TRUE(std::isinf(sum_in_order({huge * 2, huge * 2, huge * 2})));
  EXPECT_TRUE(std::isnan(sum_in_order({std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()})));
  // A large term arriving after small ones: the small ones still count (to the window).
  EXPECT_EQ(sum_in_order({1.0, 1e20, -1e20}), 1.0);
}

TEST(ExactSums, StoredFormRoundTrips) {
  ExactSums e(3);
  e.add(0, 1.5);
  e.add(1, -1e300);
  e.add(1, 3e-300);
  const ExactSums back = ExactSums::from_parts(e.limbs(), e.tops());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(back.value(i), e.value(i));
  std::vector<std::int16_t> bad_top = e.tops();
  bad_top[2] = 99;
  EXPECT_THROW(ExactSums::from_parts(e.limbs(), bad_top), InputError);
  const std::vector<std::int64_t> three = {1, 2, 3};
  EXPECT_THROW(ExactSums::from_parts(three, e.tops()), InputError);
  ExactSums other(2);
  EXPECT_THROW(e.merge(other), InputError);
}

// New sums start at zero whatever memory they get (their limbs are not written at construction:
// ZeroedAllocator): on heap memory just freed with other contents, and on fresh pages.
TEST(ExactSums, NewSumsAreZeroOnReusedAndFreshMemory) {
  for (std::size_t size : {std::size_t{1000}, std::size_t{1} << 20}) {
    SCOPED_TRACE(size);
    {
      std::vector<std::int64_t> junk(size * ExactSums::kLimbs, -7);
      EXPECT_EQ(junk.back(), -7);
    }
    ExactSums e(size);
    EXPECT_TRUE(std::all_of(e.limbs().begin(), e.limbs().end(), [](std::int64_t l) { return l == 0; }));
    EXPECT_EQ(e.value(size - 1), 0.0);
    e.add(size - 1, 0.5);
    e.add(size - 1, 0.25);
    EXPECT_EQ(e.value(size - 1), 0.75);
    EXPECT_EQ(e.value(0), 0.0);
  }
}

}  // namespace
}  // namespace flashmm
