// Contrast expressions: R's evaluation of the s1 fixture expressions, names with operator
// characters, and errors that point at the place.
#include <flashmm/contrast.hpp>
#include <flashmm/error.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/expect.hpp"
#include "support/fixture.hpp"

namespace flashmm {
namespace {

using testing::read_lines;

std::vector<std::string> s1_coef_names() {
  return testing::read_named_matrix(testing::data_path("s1_reml_coef.csv")).row_names;
}

const std::vector<std::string> special_names = {"(Intercept)", "cluster_name B cells+", "a/b", "x"};

Eigen::VectorXd weights(std::initializer_list<double> w) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(w.size()));
  Eigen::Index i = 0;
  for (double x : w) v(i++) = x;
  return v;
}

/// The ParseError message of parsing spec, or "" when it parses.
std::string parse_error(const std::string& spec, const std::vector<std::string>& names) {
  return testing::message_of<ParseError>([&] { parse_contrast(spec, names); });
}

/// Column of the caret in an error message (its last line), relative to the spec's echo above.
long caret_column(const std::string& message) {
  const auto last = message.rfind('\n');
  const auto prev = message.rfind('\n', last - 1);
  const std::string spec_line = message.substr(prev + 1, last - prev - 1);
  const std::string caret_line = message.substr(last + 1);
  const auto indent = static_cast<long>(spec_line.find_first_not_of(' '));
  return static_cast<long>(caret_line.find('^')) - indent;
}

TEST(Contrast, S1FixtureExpressionsMatchR) {
  const auto names = s1_coef_names();
  ASSERT_EQ(names.size(), 9u);
  const auto specs = read_lines(testing::data_path("s1_contrast_exprs.txt"));
  const auto expected = testing::read_named_matrix(testing::data_path("s1_contrast_matrix.csv"));
  ASSERT_EQ(expected.row_names, names);
  ASSERT_EQ(specs.size(), expected.col_names.size());

  const auto contrasts = parse_contrasts(specs, names);
  const Eigen::MatrixXd L = contrast_matrix(contrasts);
  ASSERT_EQ(L.rows(), 9);
  ASSERT_EQ(L.cols(), static_cast<Eigen::Index>(specs.size()));
  for (std::size_t j = 0; j < contrasts.size(); ++j) {
    EXPECT_EQ(contrasts[j].name, expected.col_names[j]);
    for (Eigen::Index i = 0; i < L.rows(); ++i)
      EXPECT_NEAR(L(i, static_cast<Eigen::Index>(j)), expected.values(i, static_cast<Eigen::Index>(j)), 1e-15)
          << contrasts[j].name << " " << names[static_cast<std::size_t>(i)];
  }
}

TEST(Contrast, NamedAndUnnamed) {
  const auto names = s1_coef_names();
  const Contrast named = parse_contrast("  BvsA = cls1:trtB - cls2:trtB  ", names);
  EXPECT_EQ(named.name, "BvsA");
  EXPECT_EQ(named.expression, "cls1:trtB - cls2:trtB");
  const Contrast unnamed = parse_contrast("  cls2:trtB-cls1:trtB ", names);
  EXPECT_EQ(unnamed.name, "cls2:trtB-cls1:trtB");
  EXPECT_EQ(unnamed.expression, unnamed.name);
}

TEST(Contrast, LongestNameWinsAndWordBoundaries) {
  const std::vector<std::string> names = {"cls1", "cls1:trtB", "cls10"};
  EXPECT_EQ(parse_contrast("cls1:trtB - cls1", names).weights, weights({-1, 1, 0}));
  EXPECT_EQ(parse_contrast("cls10-cls1", names).weights, weights({-1, 0, 1}));
  // "cls1" must not match the start of an unknown "cls12".
  const std::string msg = parse_error("cls12 - cls1", names);
  EXPECT_NE(msg.find("unknown coefficient 'cls12'"), std::string::npos) << msg;
}

TEST(Contrast, NamesWithSpacesAndOperators) {
  const auto& names = special_names;
  EXPECT_EQ(parse_contrast("cluster_name B cells+ - (Intercept)", names).weights, weights({-1, 1, 0, 0}));
  EXPECT_EQ(parse_contrast("a/b/2 + x", names).weights, weights({0, 0, 0.5, 1}));
  EXPECT_EQ(parse_contrast("-(a/b - x)*.5", names).weights, weights({0, 0, -0.5, 0.5}));
  EXPECT_EQ(parse_contrast("d=`a/b` - 1E+1*`x`", names).weights, weights({0, 0, 1, -10}));
  EXPECT_EQ(parse_contrast("2*(cluster_name B cells+ + (Intercept))/4", names).weights, weights({0.5, 0.5, 0, 0}));
  EXPECT_EQ(parse_contrast("+x - -x", names).weights, weights({0, 0, 0, 2}));
}

TEST(Contrast, ConstantArithmeticIsScalar) {
  const auto& names = special_names;
  // R evaluates this element by element: (1/3) * x, not x / 3.
  EXPECT_EQ(parse_contrast("(1/3)*x", names).weights(3), 1.0 / 3.0);
  EXPECT_EQ(parse_contrast("(2 - 3 * 2)*x", names).weights(3), -4.0);
  EXPECT_EQ(parse_contrast("x*1e-1", names).weights(3), 0.1);
}

TEST(Contrast, UnknownNameListsItWithCaret) {
  const std::string msg = parse_error("x + cluster_name T cells", special_names);
  EXPECT_NE(msg.find("unknown coefficient 'cluster_name'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'cluster_name B cells+'"), std::string::npos) << "lists the known names: " << msg;
  EXPECT_EQ(caret_column(msg), 4) << msg;
  const std::string quoted = parse_error("`nope` - x", special_names);
  EXPECT_NE(quoted.find("unknown coefficient 'nope'"), std::string::npos) << quoted;
}

TEST(Contrast, ProductOfTwoNames) {
  const std::string msg = parse_error("L=x * a/b", special_names);
  EXPECT_NE(msg.find("product of two coefficients"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 4) << msg;
  const std::string div = parse_error("x / (a/b + x)", special_names);
  EXPECT_NE(div.find("dividing by a coefficient"), std::string::npos) << div;
  EXPECT_EQ(caret_column(div), 2) << div;
}

TEST(Contrast, MalformedExpressions) {
  const auto names = s1_coef_names();
  std::string msg = parse_error("cls1 +", names);
  EXPECT_NE(msg.find("ends where"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 6) << msg;

  msg = parse_error("(cls1 + cls2", names);
  EXPECT_NE(msg.find("never closed"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 0) << msg;

  msg = parse_error("cls1 + cls2)", names);
  EXPECT_NE(msg.find("unmatched ')'"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 11) << msg;

  msg = parse_error("cls1 cls2", names);
  EXPECT_NE(msg.find("expected an operator"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 5) << msg;

  msg = parse_error("cls1 * / 2", names);
  EXPECT_NE(msg.find("before '/'"), std::string::npos) << msg;

  msg = parse_error("cls1^2", names);
  EXPECT_NE(msg.find("unexpected character '^'"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 4) << msg;

  EXPECT_NE(parse_error("", names).find("empty expression"), std::string::npos);
  EXPECT_NE(parse_error("name=  ", names).find("empty expression"), std::string::npos);
  EXPECT_NE(parse_error(" = cls1", names).find("name before '=' is empty"), std::string::npos);
  EXPECT_NE(parse_error("()", names).find("before ')'"), std::string::npos);
}

TEST(Contrast, NonLinearConstantsRejected) {
  const auto& names = special_names;
  std::string msg = parse_error("x + 1", names);
  EXPECT_NE(msg.find("constant term"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 2) << msg;
  msg = parse_error("c=2*3", names);
  EXPECT_NE(msg.find("names no coefficient"), std::string::npos) << msg;
  EXPECT_EQ(caret_column(msg), 2) << msg;
  EXPECT_NE(parse_error("x/0", names).find("division by zero"), std::string::npos);
  EXPECT_NE(parse_error("x/(1-1)", names).find("division by zero"), std::string::npos);
}

// Contrasts that test nothing are refused (issue 14.21): their rows would be NA for every gene.
TEST(Contrast, AllZeroWeightsAreRefused) {
  const auto names = s1_coef_names();
  for (const std::string spec : {"cls1-cls1", "0*cls1", "d=cls1:trtB - cls1:trtB", "(cls1 - cls1) / 2", "cls1*0 + 0*cls2"}) {
    const std::string msg = parse_error(spec, names);
    EXPECT_NE(msg.find("every weight is zero"), std::string::npos) << spec << ": " << msg;
  }
  EXPECT_EQ(parse_error("cls1 - cls2 + cls2", names), "");  // zero for cls2 only: a contrast
}

// One rule for de and test (issue 14.21): a contrast may be named like a coefficient only if it
// is that coefficient, so no table holds two different rows of one name.
TEST(Contrast, ANameOfACoefficientIsThatCoefficient) {
  const auto names = s1_coef_names();
  const std::string msg = parse_error("cls1=cls2-cls3", names);
  EXPECT_NE(msg.find("its name 'cls1' is also a coefficient's name"), std::string::npos) << msg;
  EXPECT_NE(parse_error("cls2:trtB = (cls1:trtB + cls2:trtB) / 2", names).find("also a coefficient's name"),
            std::string::npos);
  // The coefficient itself, bare or named after itself, is that coefficient's test.
  const Contrast bare = parse_contrast("cls1", names), named = parse_contrast("cls1 = cls1", names);
  EXPECT_EQ(bare.name, "cls1");
  EXPECT_EQ(named.name, "cls1");
  EXPECT_EQ(bare.weights, coefficient_contrasts(names)[1].weights);
  EXPECT_EQ(named.weights, bare.weights);
  EXPECT_EQ(parse_error("2*cls1", names), "");  // named by its text "2*cls1", no coefficient's name
}

TEST(Contrast, NestingIsLimited) {
  const auto names = s1_coef_names();
  const auto repeat = [](const std::string& s, int k) {
    std::string out;
    for (int i = 0; i < k; ++i) out += s;
    return out;
  };
  for (const std::string spec : {repeat("(", 10000) + "cls1" + repeat(")", 10000), repeat("-", 10000) + "cls1",
                                 repeat("+(", 5000) + "cls1" + repeat(")", 5000)}) {
    const std::string msg = parse_error(spec, names);
    EXPECT_NE(msg.find("nested too deeply (more than 100 parentheses or signs"), std::string::npos) << msg.substr(0, 200);
  }
  EXPECT_EQ(parse_error(repeat("(", 90) + "cls1" + repeat(")", 90), names), "");
  // A long sum is no nesting: an average over many coefficients parses.
  std::string avg = "(";
  for (int i = 0; i < 2000; ++i) avg += (i ? " + " : "") + names[1 + static_cast<std::size_t>(i % 4)];
  EXPECT_EQ(parse_error(avg + ") / 2000", names), "");
}

TEST(Contrast, EqualsInsideACoefficientName) {
  const std::vector<std::string> names = {"I(x == 1)TRUE", "z"};
  const Contrast c = parse_contrast("I(x == 1)TRUE - z", names);
  EXPECT_EQ(c.name, "I(x == 1)TRUE - z");
  EXPECT_EQ(c.weights, weights({1, -1}));
  EXPECT_EQ(parse_contrast("k = I(x == 1)TRUE", names).name, "k");
}

TEST(Contrast, BadCoefficientNameLists) {
  EXPECT_THROW(parse_contrast("x", {}), InputError);
  EXPECT_THROW(parse_contrast("x", {"x", "y", "x"}), InputError);
}

TEST(Contrast, DuplicateContrastNames) {
  const std::vector<std::string> specs = {"d=x", "d=a/b"};
  EXPECT_THROW(parse_contrasts(specs, special_names), ParseError);
}

TEST(Contrast, CoefficientContrasts) {
  const auto names = s1_coef_names();
  const std::vector<Index> index = {0, 2, 4};
  const auto by_index = coefficient_contrasts(index, names);
  ASSERT_EQ(by_index.size(), 3u);
  EXPECT_EQ(by_index[0].name, "log(libsize)");
  EXPECT_EQ(by_index[1].name, "cls2");
  EXPECT_EQ(by_index[2].name, "cls4");
  const Eigen::MatrixXd L = contrast_matrix(by_index);
  ASSERT_EQ(L.rows(), 9);
  ASSERT_EQ(L.cols(), 3);
  EXPECT_EQ(L.sum(), 3.0);
  EXPECT_EQ(L(0, 0), 1.0);
  EXPECT_EQ(L(2, 1), 1.0);
  EXPECT_EQ(L(4, 2), 1.0);

  const std::vector<std::string> by_name = {"cls2", "log(libsize)"};
  const auto named = coefficient_contrasts(by_name, names);
  EXPECT_EQ(named[0].weights, by_index[1].weights);
  EXPECT_EQ(named[1].weights, by_index[0].weights);

  EXPECT_EQ(coefficient_contrasts(names).size(), names.size());
  const std::vector<Index> out_of_range = {9};
  EXPECT_THROW(coefficient_contrasts(out_of_range, names), InputError);
  const std::vector<std::string> unknown = {"cls5"};
  EXPECT_THROW(coefficient_contrasts(unknown, names), InputError);
}

TEST(Contrast, MatrixOfMismatchedContrasts) {
  std::vector<Contrast> cs = {parse_contrast("x", special_names), parse_contrast("b", {"a", "b"})};
  EXPECT_THROW(contrast_matrix(cs), InputError);
  EXPECT_EQ(contrast_matrix({}).size(), 0);
}

}  // namespace
}  // namespace flashmm
