// lme4's bar terms as random components (issue 15.2): (1 | g) is the random intercept per level
// of g, the same Z, bit for bit, as the random formula ~ 0 + g; (0 + x | g) a slope per level;
// a random formula with R's implicit intercept is refused.
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>

#include "support/expect.hpp"
#include "support/fixture_metadata.hpp"

#include <gtest/gtest.h>

namespace flashmm {
namespace {

using testing::expect_error;
using testing::s1_metadata;
using Names = std::vector<std::string>;

struct Built {
  RowMatrixXd X;
  SparseRowMatrix Z;
};

Built build(const DesignBuilder& b) {
  Built out;
  b.build(0, b.n_used_cells(), out.X, out.Z);
  return out;
}

void expect_same_design(const DesignBuilder& a, const DesignBuilder& b) {
  EXPECT_EQ(a.fixed_names(), b.fixed_names());
  EXPECT_EQ(a.random_names(), b.random_names());
  EXPECT_EQ(a.component_names(), b.component_names());
  EXPECT_EQ(a.d(), b.d());
  const Built x = build(a), y = build(b);
  EXPECT_EQ(x.X, y.X);  // exact: the same doubles
  ASSERT_EQ(x.Z.nonZeros(), y.Z.nonZeros());
  EXPECT_EQ(Eigen::MatrixXd(x.Z), Eigen::MatrixXd(y.Z));
}

const std::string kFixed = "~ 0 + log(libsize) + cls + cls:trt";

TEST(RandomTerms, InterceptBarInFixedOrRandomEqualsZeroPlusFormula) {
  const DesignBuilder plain(s1_metadata(), kFixed, {"~ 0 + sam"});
  expect_same_design(DesignBuilder(s1_metadata(), kFixed + " + (1 | sam)"), plain);
  expect_same_design(DesignBuilder(s1_metadata(), kFixed, {"(1 | sam)"}), plain);
  expect_same_design(DesignBuilder(s1_metadata(), kFixed, {"~ (1|sam)"}), plain);
  expect_same_design(DesignBuilder(s1_metadata(), kFixed, {"1 | sam"}), plain);
  EXPECT_EQ(plain.component_names(), Names{"sam"});
}

TEST(RandomTerms, EachBarIsOneComponent) {
  const DesignBuilder two(s1_metadata(), kFixed, {"~ 0 + sam", "~ 0 + batch"});
  expect_same_design(DesignBuilder(s1_metadata(), kFixed, {"(1 | sam) + (1 | batch)"}), two);
  expect_same_design(DesignBuilder(s1_metadata(), kFixed + " + (1 | sam) + (1 | batch)"), two);
  // The fixed formula's bars come first, then the random formulas'.
  expect_same_design(DesignBuilder(s1_metadata(), kFixed + " + (1 | sam)", {"(1 | batch)"}), two);
  EXPECT_EQ(two.component_names(), (Names{"sam", "batch"}));
  EXPECT_EQ(two.d(), (std::vector<int>{12, 5}));
}

TEST(RandomTerms, SlopePerLevel) {
  const Metadata& md = s1_metadata();
  const DesignBuilder b(md, kFixed, {"(1 | sam) + (0 + age | sam)", "(1 + log(libsize) || batch)"});
  EXPECT_EQ(b.component_names(), (Names{"sam", "age|sam", "batch", "log(libsize)|batch"}));
  EXPECT_EQ(b.d(), (std::vector<int>{12, 12, 5, 5}));
  const Built x = build(b);
  const MetadataColumn& age = *md.find("age");
  const MetadataColumn& libsize = *md.find("libsize");
  const MetadataColumn& sam = *md.find("sam");
  const MetadataColumn& batch = *md.find("batch");
  const Names& names = b.random_names();
  for (Index i = 0; i < 4000; i += 397) {
    const auto c = static_cast<std::size_t>(i);
    // Column of the slope of age in this cell's sample: age there, 0 in the other samples' columns.
    const auto s = std::find(names.begin() + 12, names.begin() + 24, "age:sam" + sam.strings[c]) - names.begin();
    ASSERT_LT(s, 24) << sam.strings[c];
    EXPECT_EQ(x.Z.coeff(i, s), age.numbers[c]);
    EXPECT_EQ(x.Z.row(i).segment(12, 12).sum(), age.numbers[c]);
    const auto l = std::find(names.begin() + 29, names.end(), "log(libsize):batch" + batch.strings[c]) - names.begin();
    ASSERT_LT(l, static_cast<long>(names.size())) << batch.strings[c];
    EXPECT_EQ(x.Z.coeff(i, l), std::log(libsize.numbers[c]));
  }
}

TEST(RandomTerms, NumericGroupingIsAFactorAsInLme4) {
  // cls is read as numbers from a file; (1 | cls) still has one effect per distinct value.
  Metadata md;
  md.cell_ids = {"a", "b", "c", "d", "e"};
  MetadataColumn g{"g"};
  g.numbers = {2, 10, 1, 2, 10};
  md.columns.push_back(g);
  MetadataColumn x{"x"};
  x.numbers = {0.5, 1, 2, 3, 4};
  md.columns.push_back(x);
  const DesignBuilder b(md, "~ x + (1 | g)");
  EXPECT_EQ(b.random_names(), (Names{"g1", "g2", "g10"}));
  const Built z = build(b);
  EXPECT_EQ(z.Z.coeff(1, 2), 1.0);
  EXPECT_EQ(z.Z.coeff(2, 0), 1.0);
  EXPECT_TRUE(b.numeric_label_columns().empty());  // a grouping factor is no slope
}

TEST(RandomTerms, ImplicitInterceptIsRefusedUnlessWritten) {
  for (const std::string& r : {"~ sam", "sam", "~ sam + batch"})
    expect_error<InputError>([&] { DesignBuilder(s1_metadata(), kFixed, {r}); },
                             {"R's implicit intercept", "`~ 0 + sam` or `(1 | sam)`", "`~ 1 + sam`"});
  // Written explicitly, R's coding is what the user asked for.
  const DesignBuilder explicit_one(s1_metadata(), kFixed, {"~ 1 + sam"});
  EXPECT_EQ(explicit_one.d(), std::vector<int>{12});
  EXPECT_EQ(explicit_one.random_names().front(), "(Intercept)");
  EXPECT_EQ(explicit_one.component_names(), Names{"(Intercept) + sam"});
}

TEST(RandomTerms, ComponentsGivenTwiceOrMixedAreRefused) {
  expect_error<InputError>([] { DesignBuilder(s1_metadata(), kFixed + " + (1 | sam)", {"~ 0 + sam"}); },
                           {"random component `sam` is given twice"});
  expect_error<InputError>([] { DesignBuilder(s1_metadata(), kFixed, {"(1 | sam) + (1 | sam)"}); },
                           {"`sam` is given twice"});
  expect_error<InputError>([] { DesignBuilder(s1_metadata(), kFixed, {"~ 0 + batch + (1 | sam)"}); },
                           {"mixes bar terms"});
}

TEST(RandomTerms, ASlopeOfAFactorIsRefused) {
  expect_error<InputError>([] { DesignBuilder(s1_metadata(), kFixed, {"(0 + trt | sam)"}); },
                           {"`trt` is categorical", "takes a numeric variable"});
}

TEST(RandomTerms, NoRandomComponentIsAValidDesignForTheLibrary) {
  const DesignBuilder b(s1_metadata(), kFixed);
  EXPECT_EQ(b.q(), 0);
  EXPECT_TRUE(b.component_names().empty());
}

}  // namespace
}  // namespace flashmm
