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

#include "io/hdf5_util.hpp"
#include "io/io_test_util.hpp"

namespace flashmm::testing {
namespace {

// anndata 0.7 stores categorical codes as a plain dataset with the levels in obs/__categories;
// booleans as numpy bool enums; strings as variable-length strings; no column-order attribute.
TEST(H5adObs, Anndata07EncodingAndOtherKinds) {
  namespace h5 = detail::h5;
  ScratchDir dir("obs07");
  const std::string path = dir.file("old.h5ad");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle obs = h5::create_group(f, "obs");
    h5::write_string_attr(obs, "_index", "index");
    h5::write_strings(obs, "index", {"c1", "c2", "c3"});
    h5::Handle cats = h5::create_group(obs, "__categories");
    h5::write_strings(cats, "grp", {"x", "y"});
    h5::write_vector(obs, "grp", std::vector<std::int8_t>{1, -1, 0});
    h5::write_vector(obs, "n", std::vector<std::int64_t>{3, 4, 5});
    h5::write_bools(obs, "ok", {1, 0, 1});
    h5::write_strings(obs, "s", {"a", "", "c"});
  }
  const Metadata m = io::read_h5ad_obs(path);
  EXPECT_EQ(m.cell_ids, (std::vector<std::string>{"c1", "c2", "c3"}));
  ASSERT_EQ(m.columns.size(), 4u);  // members in name order: grp, n, ok, s
  const MetadataColumn* grp = m.find("grp");
  ASSERT_NE(grp, nullptr);
  EXPECT_EQ(grp->kind, MetadataColumn::Kind::categorical);
  EXPECT_EQ(grp->levels, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(grp->codes, (std::vector<std::int32_t>{1, -1, 0}));
  EXPECT_TRUE(grp->is_missing(1));
  EXPECT_EQ(m.find("n")->numbers, (std::vector<double>{3, 4, 5}));
  EXPECT_EQ(m.find("ok")->kind, MetadataColumn::Kind::boolean);
  EXPECT_EQ(m.find("ok")->booleans, (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(m.find("s")->strings, (std::vector<std::string>{"a", "", "c"}));
}

// pandas keeps a categorical's categories in their order, numbers included (cluster ids 1, 2,
// 10): the levels keep that order and are labelled as R prints numbers (issue 15.3), as factor()
// and --categorical label them.
TEST(H5adObs, NumericCategoriesKeepTheirOrderAndRsLabels) {
  namespace h5 = detail::h5;
  ScratchDir dir("obs_numeric_categories");
  const std::string path = dir.file("num.h5ad");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle obs = h5::create_group(f, "obs");
    h5::write_string_attr(obs, "_index", "index");
    h5::write_strings(obs, "index", {"c1", "c2", "c3", "c4"});
    h5::Handle cats = h5::create_group(obs, "__categories");
    h5::write_vector(cats, "cls", std::vector<std::int64_t>{1, 2, 10, 100000});
    h5::write_vector(obs, "cls", std::vector<std::int8_t>{2, 0, 3, 1});
  }
  const Metadata m = io::read_h5ad_obs(path);
  const MetadataColumn* cls = m.find("cls");
  ASSERT_NE(cls, nullptr);
  ASSERT_EQ(cls->kind, MetadataColumn::Kind::categorical);
  EXPECT_EQ(cls->levels, (std::vector<std::string>{"1", "2", "10", "1e+05"}));
  EXPECT_EQ(cls->codes, (std::vector<std::int32_t>{2, 0, 3, 1}));
}

}  // namespace
}  // namespace flashmm::testing
