// Summary statistics written and read back exactly, merged shards, and bad files.
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include <gtest/gtest.h>

#include "support/s1.hpp"

#include <filesystem>
#include <fstream>

namespace flashmm {
namespace {

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::path(FLASHMM_BINARY_DIR) / "test-scratch" / "stats_file";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(StatsFile, RoundTripIsExact) {
  const SummaryStats s = testing::s1_stats(testing::s1_design("main", "sam+batch"));
  const auto dir = std::filesystem::path(scratch("roundtrip"));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "s1.h5").string();
  io::write_summary_stats(path, s, {"log2p1", "~ 0 + log(libsize) + cls + cls:trt", {"~ 0 + sam", "~ 0 + batch"}});
  io::StatsProvenance prov;
  const SummaryStats r = io::read_summary_stats(path, &prov);
  EXPECT_EQ(r.n, s.n);
  EXPECT_EQ(r.XX, s.XX);
  EXPECT_EQ(r.XY, s.XY);
  EXPECT_EQ(r.ZX, s.ZX);
  EXPECT_EQ(r.ZY, s.ZY);
  EXPECT_EQ(r.ZZ, s.ZZ);
  EXPECT_EQ(r.Ynorm, s.Ynorm);
  EXPECT_EQ(r.d, s.d);
  EXPECT_EQ(r.fixed_names, s.fixed_names);
  EXPECT_EQ(r.random_names, s.random_names);
  EXPECT_EQ(r.component_names, s.component_names);
  EXPECT_EQ(r.gene_names, s.gene_names);
  EXPECT_EQ(prov.transform, "log2p1");
  EXPECT_EQ(prov.random_formulas, (std::vector<std::string>{"~ 0 + sam", "~ 0 + batch"}));
  // Nothing but the final file is left behind (it was written under a temporary name).
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}

TEST(StatsFile, BadFilesNameThePath) {
  const std::string junk = scratch("junk.h5");
  {
    std::ofstream out(junk);
    out << "not hdf5 at all";
  }
  try {
    io::read_summary_stats(junk);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(junk), std::string::npos) << e.what();
  }
  try {
    io::read_summary_stats(scratch("missing.h5"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
  try {
    io::read_summary_stats(std::string(FLASHMM_TEST_DATA_DIR) + "/s1.h5ad");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not a flashmm summary-statistics file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flashmm
