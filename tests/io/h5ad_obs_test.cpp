// obs of s1.h5ad equals s1_metadata.csv: categoricals with R's levels, numbers exactly.
#include "support/fixture.hpp"

#include <flashmm/io/h5ad.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace flashmm::testing {
namespace {

TEST(H5adObs, S1MatchesTheMetadataCsv) {
  const Metadata obs = io::read_h5ad_obs(data_path("s1.h5ad"));
  const CsvTable csv = read_csv(data_path("s1_metadata.csv"));
  ASSERT_EQ(obs.n_cells(), static_cast<Index>(csv.rows.size()));
  const int cell = csv.column("cell");
  for (std::size_t i = 0; i < csv.rows.size(); ++i) ASSERT_EQ(obs.cell_ids[i], csv.rows[i][static_cast<std::size_t>(cell)]);

  for (const char* name : {"sam", "cls", "trt", "batch"}) {
    const MetadataColumn* c = obs.find(name);
    ASSERT_NE(c, nullptr) << name;
    ASSERT_EQ(c->kind, MetadataColumn::Kind::categorical) << name;
    const int k = csv.column(name);
    std::set<std::string> levels;
    for (std::size_t i = 0; i < csv.rows.size(); ++i) {
      const auto& want = csv.rows[i][static_cast<std::size_t>(k)];
      levels.insert(want);
      ASSERT_GE(c->codes[i], 0);
      EXPECT_EQ(c->levels[static_cast<std::size_t>(c->codes[i])], want) << name << " cell " << i;
    }
    // pandas sorts the categories of a string column, as R sorts factor levels (C locale).
    EXPECT_EQ(c->levels, std::vector<std::string>(levels.begin(), levels.end())) << name;
  }
  for (const char* name : {"libsize", "age"}) {
    const MetadataColumn* c = obs.find(name);
    ASSERT_NE(c, nullptr) << name;
    ASSERT_EQ(c->kind, MetadataColumn::Kind::numeric) << name;
    const int k = csv.column(name);
    for (std::size_t i = 0; i < csv.rows.size(); ++i)
      EXPECT_EQ(c->numbers[i], std::stod(csv.rows[i][static_cast<std::size_t>(k)])) << name << " cell " << i;
  }
}

TEST(H5adObs, VarNames) {
  const auto genes = io::read_h5ad_var_names(data_path("s1.h5ad"));
  ASSERT_EQ(genes.size(), 60u);
  EXPECT_EQ(genes.front(), "Gene1");
  EXPECT_EQ(genes.back(), "Gene60");
}

}  // namespace
}  // namespace flashmm::testing
