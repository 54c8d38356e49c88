// The compressed datasets of our own files, their chunks compressed on several threads
// (host/io/h5_chunk_writer.cpp): read back by HDF5 to the same values, with an edge chunk, on 1
// and 3 threads to the same bytes, and stored shuffled and deflated as HDF5 itself writes them.
#include <gtest/gtest.h>

#include "io/hdf5_matrix.hpp"
#include "support/fixture.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace flashmm {
namespace {

namespace h = detail::h5;

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Limbs-like int64 rows (600,000 x 4: chunks of 262,144 rows, the last one partial) and a
// matrix of doubles (1,200 x 2,000: chunks of 524 rows, the last partial).
struct Arrays {
  std::vector<std::int64_t> limbs;
  Eigen::MatrixXd m;
};

Arrays arrays() {
  Arrays a;
  constexpr Index rows = 600000;
  a.limbs.resize(static_cast<std::size_t>(rows) * 4);
  for (std::size_t i = 0; i < a.limbs.size(); ++i) a.limbs[i] = static_cast<std::int64_t>((i * 2654435761u) % 100000) - 50000;
  a.m.resize(1200, 2000);
  for (Index j = 0; j < a.m.cols(); ++j)
    for (Index i = 0; i < a.m.rows(); ++i) a.m(i, j) = std::log1p(static_cast<double>(i * 7 + j % 13));
  return a;
}

void write(const std::string& path, const Arrays& a, int threads) {
  h::write_file(path, [&](hid_t file) {
    h::write_int64_rows(file, "limbs", a.limbs.data(), static_cast<Index>(a.limbs.size() / 4), 4, 1, threads);
    h::write_matrix(file, "m", a.m, 1, threads);
  });
}

TEST(ChunkWriter, ReadsBackAndTheBytesDoNotDependOnThreads) {
  const Arrays a = arrays();
  const auto dir = testing::work_dir("chunk_writer");
  const std::string one = (dir / "one.h5").string(), three = (dir / "three.h5").string();
  write(one, a, 1);
  write(three, a, 3);
  EXPECT_EQ(bytes_of(one), bytes_of(three));
  h::Handle file = h::open_file(three);
  EXPECT_EQ(h::read_int64_rows(file, "limbs", 4), a.limbs);
  EXPECT_EQ(h::read_matrix(file, "m"), a.m);
  // Stored as HDF5 stores a shuffled, deflated dataset: both filters declared, and smaller.
  for (const char* name : {"limbs", "m"}) {
    SCOPED_TRACE(name);
    h::Handle d = h::open_dataset(file, name);
    h::Handle dcpl(H5Dget_create_plist(d), H5Pclose);
    ASSERT_EQ(H5Pget_nfilters(dcpl), 2);
    auto filter = [&](unsigned i) {
      unsigned flags = 0, values[8] = {};
      std::size_t n = 8;
      char label[64];
      return H5Pget_filter2(dcpl, i, &flags, &n, values, sizeof label, label, nullptr);
    };
    EXPECT_EQ(filter(0), H5Z_FILTER_SHUFFLE);
    EXPECT_EQ(filter(1), H5Z_FILTER_DEFLATE);
    hsize_t chunk[2] = {0, 0};
    ASSERT_EQ(H5Pget_chunk(dcpl, 2, chunk), 2);
    const std::vector<hsize_t> dim = h::dims(d);
    EXPECT_NE(dim[0] % chunk[0], 0u) << "the test needs a partial edge chunk";
    EXPECT_GT(dim[0] / chunk[0], 1u) << "the test needs several chunks";
    EXPECT_LT(H5Dget_storage_size(d), dim[0] * dim[1] * 8);
  }
}

}  // namespace
}  // namespace flashmm
