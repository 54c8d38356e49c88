// write_h5ad / H5adWriter and write_10x_dir round trips through open_matrix and read_h5ad_obs.
#include "io/io_test_util.hpp"
#include "support/fixture.hpp"

#include <flashmm/io/h5ad.hpp>
#include <flashmm/io/tenx.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace flashmm::testing {
namespace {

Metadata small_obs(const std::vector<std::string>& cells) {
  Metadata m;
  m.cell_ids = cells;
  MetadataColumn cat;
  cat.name = "sam";
  cat.kind = MetadataColumn::Kind::categorical;
  cat.levels = {"A1", "B 2/x"};
  MetadataColumn num;
  num.name = "libsize";
  MetadataColumn str;
  str.name = "note";
  str.kind = MetadataColumn::Kind::string;
  MetadataColumn flag;
  flag.name = "flag";
  flag.kind = MetadataColumn::Kind::boolean;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cat.codes.push_back(i % 5 == 4 ? -1 : static_cast<std::int32_t>(i % 2));
    num.numbers.push_back(i % 7 == 3 ? std::nan("") : 0.5 * static_cast<double>(i));
    str.strings.push_back("s" + std::to_string(i));
    flag.booleans.push_back(static_cast<std::uint8_t>(i % 3 == 0));
  }
  m.columns = {cat, num, str, flag};
  return m;
}

void expect_same_obs(const Metadata& a, const Metadata& b) {
  ASSERT_EQ(a.cell_ids, b.cell_ids);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (std::size_t k = 0; k < a.columns.size(); ++k) {
    const auto& x = a.columns[k];
    const auto& y = b.columns[k];
    EXPECT_EQ(x.name, y.name);
    ASSERT_EQ(x.kind, y.kind) << x.name;
    EXPECT_EQ(x.codes, y.codes) << x.name;
    EXPECT_EQ(x.levels, y.levels) << x.name;
    EXPECT_EQ(x.strings, y.strings) << x.name;
    EXPECT_EQ(x.booleans, y.booleans) << x.name;
    ASSERT_EQ(x.numbers.size(), y.numbers.size());
    for (std::size_t i = 0; i < x.numbers.size(); ++i)
      EXPECT_TRUE(x.numbers[i] == y.numbers[i] || (std::isnan(x.numbers[i]) && std::isnan(y.numbers[i])));
  }
}

TEST(H5adWriter, WholeMatrixRoundTrip) {
  ScratchDir dir("h5ad_write");
  const WholeMatrix ref = reference_s1();
  const Metadata obs = io::read_h5ad_obs(data_path("s1.h5ad"));
  for (auto type : {io::CountType::float32, io::CountType::int32, io::CountType::float64}) {
    io::H5adWriteOptions o;
    o.value_type = type;
    const std::string path = dir.file("s1_copy.h5ad");
    io::write_h5ad(path, view_of(ref), ref.genes, obs, o);
    auto r = io::open_matrix(path);
    EXPECT_EQ(gather(*r, 333), ref);
    expect_same_obs(io::read_h5ad_obs(path), obs);
  }
  // Nothing but the final file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.str()), std::filesystem::directory_iterator()), 1);
}

TEST(H5adWriter, AppendedChunksWithEveryColumnKind) {
  ScratchDir dir("h5ad_append");
  const WholeMatrix ref = reference_s1();
  const std::string path = dir.file("chunks.h5ad");
  {
    io::H5adWriteOptions o;
    o.hdf5_chunk_entries = 1000;
    o.gzip_level = 1;
    io::H5adWriter w(path, ref.genes, o);
    auto r = io::open_matrix(data_path("s1.h5ad"));
    io::CellChunk c;
    while (r->next_chunk(c, 777)) w.append(c.view(r->n_genes()));
    EXPECT_EQ(w.n_cells(), 4000);
    w.finish(small_obs(ref.cells));
  }
  auto r = io::open_matrix(path);
  EXPECT_EQ(gather(*r, 1000), ref);
  expect_same_obs(io::read_h5ad_obs(path), small_obs(ref.cells));
}

TEST(H5adWriter, UnfinishedWriterLeavesNoFile) {
  ScratchDir dir("h5ad_unfinished");
  const std::string path = dir.file("never.h5ad");
  { io::H5adWriter w(path, {"g1", "g2"}); }
  EXPECT_TRUE(std::filesystem::is_empty(dir.str()));
}

TEST(H5adWriter, ObsOfWrongLengthIsRejected) {
  ScratchDir dir("h5ad_badobs");
  io::H5adWriter w(dir.file("x.h5ad"), {"g1"});
  Metadata obs;
  obs.cell_ids = {"c1"};
  EXPECT_THROW(w.finish(obs), InputError);
}

TEST(TenxWriter, DirectoryRoundTrip) {
  ScratchDir dir("tenx_write");
  const WholeMatrix ref = reference_s1();
  const std::string out = dir.file("s1_10x");
  io::write_10x_dir(out, view_of(ref), ref.genes, ref.cells);
  auto r = io::open_matrix(out);
  EXPECT_EQ(gather(*r, 7), ref);
  // Non-integer values are written as "real" and read back exactly.
  WholeMatrix real = ref;
  for (auto& v : real.values) v = v / 3.0 + 1e-300;
  io::write_10x_dir(out, view_of(real), real.genes, real.cells);
  auto r2 = io::open_matrix(out);
  EXPECT_EQ(gather(*r2, 1000), real);
}

}  // namespace
}  // namespace flashmm::testing
