// Summary statistics written and read back exactly, merged shards, and bad files.
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <filesystem>
#include <fstream>

namespace flashmm {
namespace {

using testing::expect_error;

TEST(StatsFile, RoundTripIsExact) {
  const SummaryStats& s = testing::s1_main_stats("sam+batch");
  const auto dir = testing::work_dir("stats_file_roundtrip");
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
  const auto dir = testing::work_dir("stats_file_bad");
  const std::string junk = (dir / "junk.h5").string();
  {
    std::ofstream out(junk);
    out << "not hdf5 at all";
  }
  expect_error<IoError>([&] { io::read_summary_stats(junk); }, {junk});
  expect_error<IoError>([&] { io::read_summary_stats((dir / "missing.h5").string()); }, {"no such file"});
  expect_error<IoError>([] { io::read_summary_stats(testing::data_path("s1.h5ad")); },
                        {"not a flashmm summary-statistics file"});
}

}  // namespace
}  // namespace flashmm
