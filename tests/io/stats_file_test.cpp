// Summary statistics written and read back exactly, merged shards, and bad files.
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>

#include <gtest/gtest.h>

#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <hdf5.h>

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
  EXPECT_EQ(r.Ysum, s.Ysum);
  EXPECT_EQ(r.nnz, s.nnz);
  EXPECT_EQ(r.exact.limbs(), s.exact.limbs());
  EXPECT_EQ(r.exact.tops(), s.exact.tops());
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

// The cells a file covers round-trip; the same statistics give the same bytes.
TEST(StatsFile, CellSpansRoundTripAndBytesAreReproducible) {
  const SummaryStats& s = testing::s1_main_stats("sam");
  ASSERT_FALSE(s.exact.empty());
  const auto dir = testing::work_dir("stats_file_spans");
  io::StatsProvenance prov{"log2p1", "~ 0 + cls", {"~ 0 + sam"}, {}};
  prov.cells = {{"a.h5ad", "crc32 cells 4000:1 genes 60:2", 4000, 0, 1000}, {"b.h5ad", "id-b", 10, 2, 7}};
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  io::write_summary_stats(a, s, prov);
  io::write_summary_stats(b, s, prov);
  EXPECT_EQ(testing::read_lines(a), testing::read_lines(b));
  io::StatsProvenance back;
  io::read_summary_stats(a, &back);
  ASSERT_EQ(back.cells.size(), 2u);
  EXPECT_EQ(back.cells[0].input, "a.h5ad");
  EXPECT_EQ(back.cells[0].identity, prov.cells[0].identity);
  EXPECT_EQ(back.cells[0].input_cells, 4000);
  EXPECT_EQ(back.cells[0].end, 1000);
  EXPECT_EQ(back.cells[1].begin, 2);
}

TEST(StatsFile, OverlappingSpansOfOneInputAreRefused) {
  std::vector<io::CellSpan> a = {{"x.h5ad", "id", 100, 0, 50}};
  io::add_cell_spans(a, {{"copy-of-x.h5ad", "id", 100, 50, 100}, {"y.h5ad", "other", 100, 0, 100}});
  EXPECT_EQ(a.size(), 3u);
  expect_error<InputError>([&] { io::add_cell_spans(a, {{"x.h5ad", "id", 100, 40, 60}}); },
                           {"cells 41-60 of 'x.h5ad' overlap", "cells 41-50 twice"});
  expect_error<InputError>([&] { io::add_cell_spans(a, {{"z.h5ad", "id", 99, 0, 1}}); }, {"99 and 100 cells"});
  EXPECT_NE(io::input_identity({"c1", "c2"}, {"g"}), io::input_identity({"c1", "c3"}, {"g"}));
  EXPECT_NE(io::input_identity({"c1", "c2"}, {"g"}), io::input_identity({"c1", "c2"}, {"h"}));
  EXPECT_EQ(io::input_identity({"c1", "c2"}, {"g"}), io::input_identity({"c1", "c2"}, {"g"}));
}

// A file of format version 1 (without Ysum, nnz and exact sums) is refused with what to do.
TEST(StatsFile, VersionOneFilesAreRefusedWithAHint) {
  const auto dir = testing::work_dir("stats_file_v1");
  const std::string path = (dir / "old.h5").string();
  {
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t scalar = H5Screate(H5S_SCALAR);
    const hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 21);
    const hid_t fa = H5Acreate2(f, "format", str, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(fa, str, "flashmm-summary-stats");
    const std::int64_t one = 1;
    const hid_t va = H5Acreate2(f, "version", H5T_STD_I64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(va, H5T_NATIVE_INT64, &one);
    H5Aclose(fa), H5Aclose(va), H5Tclose(str), H5Sclose(scalar), H5Fclose(f);
  }
  expect_error<IoError>([&] { io::read_summary_stats(path); },
                        {path, "format version 1", "make it again with 'flashmm sumstats'"});
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
