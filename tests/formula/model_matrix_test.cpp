// R's model.matrix fixtures mm01..mm21: the same column names in the same order and the same
// values (1e-12 relative) for each formula over tests/data/mm_metadata.csv. mm22..mm27 (relevel()
// and factor(x, levels = ...), issue 15.3) were not computed by R, which is not at hand: each is
// written out from R's rules for its one formula by tests/data/mm_derived_matrices.py (see there).
#include <flashmm/formula.hpp>
#include <flashmm/metadata_csv.hpp>

#include "support/fixture.hpp"
#include "support/fixture_metadata.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace flashmm {
namespace {

using testing::data_path;

using testing::mm_metadata;

std::string formula_of(const std::string& id) {
  for (const char* file : {"mm_formulas.csv", "mm_formulas_derived.csv"}) {
    const auto t = testing::read_csv(data_path(file));
    for (const auto& row : t.rows)
      if (row[0] == id) return row[1];
  }
  throw std::runtime_error("no formula " + id);
}

class RModelMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(RModelMatrix, NamesAndValuesMatchR) {
  const std::string id = GetParam();
  const std::string formula = formula_of(id);
  const auto expected = testing::read_csv(data_path(id + "_matrix.csv"));
  const ModelMatrix mm = model_matrix(mm_metadata(), formula);
  SCOPED_TRACE(formula);
  EXPECT_EQ(mm.names, expected.header);
  ASSERT_EQ(mm.values.rows(), static_cast<Eigen::Index>(expected.rows.size()));
  ASSERT_EQ(mm.values.cols(), static_cast<Eigen::Index>(expected.header.size()));
  EXPECT_TRUE(mm.warnings.empty());
  for (std::size_t r = 0; r < expected.rows.size(); ++r)
    for (std::size_t c = 0; c < expected.header.size(); ++c) {
      const double want = std::stod(expected.rows[r][c]);
      const double got = mm.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      EXPECT_TRUE(testing::near_relative(got, want, 1e-12))
          << "row " << r << " column " << expected.header[c] << ": " << got << " vs R " << want;
    }
}

std::vector<std::string> mm_ids() {
  std::vector<std::string> ids;
  for (int i = 1; i <= 27; ++i) ids.push_back((i < 10 ? "mm0" : "mm") + std::to_string(i));
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RModelMatrix, ::testing::ValuesIn(mm_ids()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace flashmm
