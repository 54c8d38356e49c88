// DesignBuilder: chunked building, random components, the s1 designs, dropped cells, errors.
#include <flashmm/error.hpp>
#include <flashmm/formula.hpp>
#include <flashmm/metadata_csv.hpp>

#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace flashmm {
namespace {

using testing::data_path;

const Metadata& s1() { return testing::s1_metadata(); }
const Metadata& mm() { return testing::mm_metadata(); }

std::vector<std::string> row_names(const std::string& file) { return testing::read_named_matrix(data_path(file)).row_names; }

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DesignBuilder, S1RemlNamesMatchFixtures) {
  DesignBuilder b(s1(), "~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + sam"});
  EXPECT_EQ(b.fixed_names(), row_names("s1_reml_coef.csv"));
  EXPECT_EQ(b.random_names(), row_names("s1_reml_RE.csv"));
  EXPECT_EQ(b.p(), 9);
  EXPECT_EQ(b.d(), std::vector<int>{12});
  EXPECT_EQ(b.component_names(), std::vector<std::string>{"sam"});
  EXPECT_EQ(b.n_used_cells(), 4000);
  EXPECT_TRUE(b.warnings().empty());
}

TEST(DesignBuilder, S1InterceptModelNamesMatchFixture) {
  DesignBuilder b(s1(), "~ log(libsize) + age + cls + cls:trt", {"~ 0 + sam"});
  EXPECT_EQ(b.fixed_names(), row_names("s1_reml_intercept_coef.csv"));
}

TEST(DesignBuilder, S1TwoComponents) {
  DesignBuilder b(s1(), "~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + sam", "~ 0 + batch"});
  EXPECT_EQ(b.fixed_names(), row_names("s1_reml_2re_coef.csv"));
  EXPECT_EQ(b.d(), (std::vector<int>{12, 5}));
  EXPECT_EQ(b.q(), 17);
  EXPECT_EQ(b.component_names(), (std::vector<std::string>{"sam", "batch"}));
  const std::vector<std::string> batch(b.random_names().begin() + 12, b.random_names().end());
  EXPECT_EQ(batch, (std::vector<std::string>{"batchb0", "batchb1", "batchb2", "batchb3", "batchb4"}));
  RowMatrixXd X;
  SparseRowMatrix Z;
  b.build(0, b.n_used_cells(), X, Z);
  EXPECT_EQ(Z.nonZeros(), 2 * 4000);  // one sample and one batch per cell
  // Cell1 is sample A2 and batch b4.
  EXPECT_EQ(Z.coeff(0, 1), 1.0);
  EXPECT_EQ(Z.coeff(0, 12 + 4), 1.0);
  const DesignBuilder batch_only(s1(), "~ 0 + batch");
  EXPECT_EQ(batch_only.fixed_names(), batch);
}

TEST(DesignBuilder, ChunkedEqualsWhole) {
  // scale() and the levels come from all used cells, whatever the chunks.
  DesignBuilder b(mm(), "~ scale(age) + cls*trt + log(libsize)", {"~ 0 + sam", "~ 0 + season + age:sex"});
  RowMatrixXd X;
  SparseRowMatrix Z;
  b.build(0, b.n_used_cells(), X, Z);
  const Eigen::MatrixXd Zd = Eigen::MatrixXd(Z);
  for (Index chunk : {1, 3, 7, 40}) {
    RowMatrixXd Xc;
    SparseRowMatrix Zc;
    for (Index begin = 0; begin < b.n_used_cells(); begin += chunk) {
      const Index end = std::min(begin + chunk, b.n_used_cells());
      b.build(begin, end, Xc, Zc);
      ASSERT_EQ(Xc.rows(), end - begin);
      EXPECT_EQ(Xc, X.middleRows(begin, end - begin)) << "chunk " << chunk << " at " << begin;
      EXPECT_EQ(Eigen::MatrixXd(Zc), Zd.middleRows(begin, end - begin)) << "chunk " << chunk << " at " << begin;
    }
  }
  // Row sums of a one-hot component are 1.
  EXPECT_EQ(Zd.leftCols(5).rowwise().sum(), Eigen::VectorXd::Ones(40));
}

TEST(DesignBuilder, DropsCellsWithMissingValuesAndSaysWhich) {
  Metadata md = mm();
  auto* age = const_cast<MetadataColumn*>(md.find("age"));
  age->numbers[3] = std::numeric_limits<double>::quiet_NaN();
  age->numbers[7] = std::numeric_limits<double>::quiet_NaN();
  auto* sex = const_cast<MetadataColumn*>(md.find("sex"));
  sex->missing.assign(40, 0);
  sex->missing[7] = 1;
  sex->missing[9] = 1;
  auto* season = const_cast<MetadataColumn*>(md.find("season"));  // not used: no effect
  season->missing.assign(40, 0);
  season->missing[0] = 1;
  DesignBuilder b(md, "~ age + trt", {"~ 0 + sex"});
  EXPECT_EQ(b.n_used_cells(), 37);
  for (Index r : {3, 7, 9}) EXPECT_EQ(std::count(b.used_cells().begin(), b.used_cells().end(), r), 0);
  ASSERT_EQ(b.warnings().size(), 1u);
  EXPECT_CONTAINS(b.warnings()[0], "dropped 3 of 40 cells");
  EXPECT_CONTAINS(b.warnings()[0], "age (2 missing)");
  EXPECT_CONTAINS(b.warnings()[0], "sex (2 missing)");
  // The kept rows are the full design's rows of the kept cells.
  const ModelMatrix whole = model_matrix(mm(), "~ age + trt");
  RowMatrixXd X;
  SparseRowMatrix Z;
  b.build(0, b.n_used_cells(), X, Z);
  for (Index i = 0; i < b.n_used_cells(); ++i)
    EXPECT_EQ(X.row(i), whole.values.row(b.used_cells()[static_cast<std::size_t>(i)]));
}

TEST(DesignBuilder, UnknownColumnNamesCloseOnes) {
  const std::string msg = message_of([] { DesignBuilder(mm(), "~ log(libsise) + cls"); });
  EXPECT_CONTAINS(msg, "no column `libsise`");
  EXPECT_CONTAINS(msg, "`libsize`");
  EXPECT_CONTAINS(msg, "~ log(libsise) + cls\n        ^");
  EXPECT_THROW(DesignBuilder(mm(), "~ cls", {"~ 0 + sample"}), InputError);
}

TEST(DesignBuilder, SyntaxErrorShowsCaret) {
  const std::string msg = message_of([] { DesignBuilder(mm(), "~ cls + * trt"); });
  EXPECT_CONTAINS(msg, "syntax error");
  EXPECT_CONTAINS(msg, "\n  ~ cls + * trt\n          ^");
  EXPECT_THROW(DesignBuilder(mm(), "~ log(age"), ParseError);
}

TEST(DesignBuilder, LogOfNonPositiveCountsCells) {
  const std::string msg = message_of([] { DesignBuilder(mm(), "~ log(age - 30)"); });
  EXPECT_CONTAINS(msg, "`log(age - 30)`");
  EXPECT_CONTAINS(msg, "cells have a non-positive value");
  Index n = 0;
  for (double a : mm().find("age")->numbers) n += a <= 30;
  EXPECT_CONTAINS(msg, std::to_string(n) + " of 40 cells");
  EXPECT_THROW(DesignBuilder(mm(), "~ sqrt(age - 100)"), InputError);
}

TEST(DesignBuilder, NumericFunctionOfCategorical) {
  const std::string msg = message_of([] { DesignBuilder(mm(), "~ log(cls)"); });
  EXPECT_CONTAINS(msg, "`log()` needs a numeric column, but `cls`");
  EXPECT_THROW(DesignBuilder(mm(), "~ I(trt * 2)"), InputError);
  EXPECT_THROW(DesignBuilder(mm(), "~ scale(sex)"), InputError);
}

TEST(DesignBuilder, SingleLevelFactorWhereContrastsNeedTwo) {
  Metadata md = mm();
  auto* sex = const_cast<MetadataColumn*>(md.find("sex"));
  for (auto& s : sex->strings) s = "F";
  const std::string msg = message_of([&] { DesignBuilder(md, "~ age + sex"); });
  EXPECT_CONTAINS(msg, "`sex` has a single level (`F`)");
  EXPECT_CONTAINS(msg, "contrasts");
  // With indicators one level is fine (a random intercept for a single group).
  DesignBuilder ok(md, "~ age", {"~ 0 + sex"});
  EXPECT_EQ(ok.random_names(), std::vector<std::string>{"sexF"});
}

TEST(DesignBuilder, RandomFormulaWithoutColumns) {
  const std::string msg = message_of([] { DesignBuilder(mm(), "~ age", {"~ 0"}); });
  EXPECT_CONTAINS(msg, "random formula `~ 0` gives no column");
  EXPECT_THROW(DesignBuilder(mm(), "~ age", {"~ sam - 1 - sam"}), InputError);
}

TEST(DesignBuilder, LogicalColumnsAreFactorsFalseTrue) {
  Metadata md = mm();
  MetadataColumn flag;
  flag.name = "flag";
  flag.kind = MetadataColumn::Kind::boolean;
  for (int i = 0; i < 40; ++i) flag.booleans.push_back(static_cast<std::uint8_t>(i % 3 == 0));
  md.columns.push_back(flag);
  EXPECT_EQ(DesignBuilder(md, "~ flag").fixed_names(), (std::vector<std::string>{"(Intercept)", "flagTRUE"}));
  EXPECT_EQ(DesignBuilder(md, "~ 0 + flag").fixed_names(), (std::vector<std::string>{"flagFALSE", "flagTRUE"}));
  EXPECT_EQ(DesignBuilder(md, "~ trt:flag").fixed_names(),
            (std::vector<std::string>{"(Intercept)", "trtA:flagFALSE", "trtB:flagFALSE", "trtA:flagTRUE", "trtB:flagTRUE"}));
}

TEST(DesignBuilder, StoredCategoricalKeepsLevelOrderAndDropsUnusedLevels) {
  Metadata md = mm();
  MetadataColumn grp;
  grp.name = "grp";
  grp.kind = MetadataColumn::Kind::categorical;
  grp.levels = {"zeta", "alpha", "unused", "mid"};
  for (int i = 0; i < 40; ++i) grp.codes.push_back(static_cast<std::int32_t>(i % 4 == 2 ? 3 : i % 2));
  md.columns.push_back(grp);
  DesignBuilder b(md, "~ grp");
  EXPECT_EQ(b.fixed_names(), (std::vector<std::string>{"(Intercept)", "grpalpha", "grpmid"}));
  ASSERT_EQ(b.warnings().size(), 1u);
  EXPECT_CONTAINS(b.warnings()[0], "unused");
}

TEST(DesignBuilder, BackQuotedAndFactorOfNumbers) {
  Metadata md = mm();
  MetadataColumn c = *md.find("cluster_name");
  c.name = "cell type";
  md.columns.push_back(c);
  MetadataColumn n;
  n.name = "dose";
  n.numbers.assign(40, 0.5);
  for (int i = 0; i < 40; i += 2) n.numbers[static_cast<std::size_t>(i)] = 100000;
  md.columns.push_back(n);
  DesignBuilder b(md, "~ 0 + `cell type` + factor(dose) + I(-dose^2/2)");
  EXPECT_EQ(b.fixed_names(),
            (std::vector<std::string>{"`cell type`B cells", "`cell type`CD14+ Mono", "`cell type`CD4 T",
                                      "`cell type`NK-like/2", "factor(dose)1e+05", "I(-dose^2/2)"}));
  RowMatrixXd X;
  SparseRowMatrix Z;
  b.build(0, 2, X, Z);
  EXPECT_DOUBLE_EQ(X(0, 5), -5e9);
  EXPECT_DOUBLE_EQ(X(1, 5), -0.125);
  EXPECT_EQ(Z.cols(), 0);
}

TEST(DesignBuilder, DeclaredCategoricalNumbersSortByValue) {
  MetadataCsvOptions opt;
  opt.has_id_column = false;
  opt.categorical = {"age"};
  const Metadata md = read_metadata_csv(data_path("mm_metadata.csv"), opt);
  const DesignBuilder b(md, "~ 0 + age");
  // The same levels, in the same (numeric) order, as R's factor(age).
  const auto fa = model_matrix(mm(), "~ 0 + factor(age)").names;
  ASSERT_EQ(b.fixed_names().size(), fa.size());
  for (std::size_t i = 0; i < fa.size(); ++i) EXPECT_EQ("factor(age)" + b.fixed_names()[i].substr(3), fa[i]);
}

TEST(DesignBuilder, ContrastRuleUsesContainmentInEarlierTerms) {
  // R: in trt:sex + trt:season, season's reduced term {trt} is contained in the earlier trt:sex,
  // so season gets contrasts there; trt (reduced {season}, in no earlier term) gets indicators.
  EXPECT_EQ(DesignBuilder(mm(), "~ trt:sex + trt:season").fixed_names(),
            (std::vector<std::string>{"(Intercept)", "trtA:sexF", "trtB:sexF", "trtA:sexM", "trtB:sexM",
                                      "trtA:seasonSummer", "trtB:seasonSummer", "trtA:seasonWinter", "trtB:seasonWinter"}));
  EXPECT_EQ(DesignBuilder(mm(), "~ age:trt").fixed_names(), (std::vector<std::string>{"(Intercept)", "age:trtA", "age:trtB"}));
}

}  // namespace
}  // namespace flashmm
