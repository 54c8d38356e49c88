// GPU summary statistics against the CPU accumulator on s1 (log2(1 + counts), 60 genes x 4000
// cells) for chunk sizes giving 1, 2 and many chunks and for float, double, int32 and int64
// values; run-to-run determinism; error messages as the CPU's. Skipped without a usable device.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "support/require_gpu.hpp"
#include "support/expect.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>
#include <string>
#include <type_traits>

namespace flashmm {
namespace {

using testing::expect_matrix_near;
using testing::s1_csr;
template <class T>
using Csr = testing::Compressed<T>;

// Adds cells [c0, c1) of the CSR matrix and of the design to acc.
template <class Acc, class T>
void add_chunk(Acc& acc, const testing::S1Design& d, const Csr<T>& y, Index c0, Index c1) {
  std::vector<std::int64_t> indptr;
  const CsrView<T> view = csr_rows<T>(y.indptr, y.indices, y.values, testing::s1().counts.cols(), c0, c1, indptr);
  acc.add(RowMatrixXd(d.X.middleRows(c0, c1 - c0)), SparseRowMatrix(d.Z.middleRows(c0, c1 - c0)), view);
}

template <class Acc, class T>
SummaryStats accumulate(Acc acc, const testing::S1Design& d, const Csr<T>& y, Index chunk) {
  const Index n = static_cast<Index>(y.indptr.size()) - 1;
  for (Index c0 = 0; c0 < n; c0 += chunk) add_chunk(acc, d, y, c0, std::min(n, c0 + chunk));
  return acc.release();
}

void expect_stats_near(const SummaryStats& gpu, const SummaryStats& cpu, double tol) {
  EXPECT_EQ(gpu.n, cpu.n);
  EXPECT_EQ(gpu.XX, cpu.XX);  // the design part is the CPU's own code
  EXPECT_EQ(gpu.ZX, cpu.ZX);
  EXPECT_EQ(gpu.ZZ, cpu.ZZ);
  expect_matrix_near(gpu.XY, cpu.XY, tol, "XY");
  expect_matrix_near(gpu.ZY, cpu.ZY, tol, "ZY");
  expect_matrix_near(gpu.Ynorm, cpu.Ynorm, tol, "Ynorm");
  expect_matrix_near(gpu.Ysum, cpu.Ysum, tol, "Ysum");
  EXPECT_EQ(gpu.nnz, cpu.nnz);
  EXPECT_EQ(gpu.gene_names, cpu.gene_names);
  EXPECT_EQ(gpu.fixed_names, cpu.fixed_names);
}

// Equals the CPU for double, float, int32 and int64 values (GpuSummaryStatsEqualsCpu/float...).
template <class T>
class GpuSummaryStatsEqualsCpu : public ::testing::Test {};
struct ValueTypeNames {
  template <class T>
  static std::string GetName(int) {
    if (std::is_same_v<T, double>) return "double";
    if (std::is_same_v<T, float>) return "float";
    if (std::is_same_v<T, std::int32_t>) return "int32";
    return "int64";
  }
};
using ValueTypes = ::testing::Types<double, float, std::int32_t, std::int64_t>;
TYPED_TEST_SUITE(GpuSummaryStatsEqualsCpu, ValueTypes, ValueTypeNames);

TYPED_TEST(GpuSummaryStatsEqualsCpu, ForValuesOfType) {
  FLASHMM_REQUIRE_GPU();
  using T = TypeParam;
  const testing::S1Design d = testing::s1_design("main", "sam");
  const Csr<T> y = s1_csr<T>();
  for (Index chunk : {Index{4000}, Index{2000}, Index{1500}, Index{97}, Index{1}}) {
    SCOPED_TRACE(ValueTypeNames::GetName<T>(0) + ", chunk " + std::to_string(chunk));
    const SummaryStats cpu = accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, chunk);
    const SummaryStats gpu = accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, chunk);
    expect_stats_near(gpu, cpu, 1e-12);
  }
}

TEST(GpuSummaryStats, TwoComponentsAndNoTransform) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("intercept", "sam+batch");
  const Csr<double> y = s1_csr<double>();
  const SummaryStats cpu = accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::none), d, y, 333);
  const SummaryStats gpu = accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::none), d, y, 333);
  // Without the transform the terms are the CPU's, summed in the CPU's order without FMA.
  expect_stats_near(gpu, cpu, 1e-15);
}

TEST(GpuSummaryStats, SameBitsRunToRun) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("main", "sam");
  const Csr<float> y = s1_csr<float>();
  const SummaryStats a = accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 700);
  for (int run = 0; run < 3; ++run) {
    const SummaryStats b = accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 700);
    EXPECT_EQ(a.XY, b.XY);
    EXPECT_EQ(a.ZY, b.ZY);
    EXPECT_EQ(a.Ynorm, b.Ynorm);
  }
}

TEST(GpuSummaryStats, StatsCanBeReadBetweenChunks) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("main", "sam");
  const Csr<double> y = s1_csr<double>();
  GpuSummaryStatsAccumulator gpu(testing::s1_shape(d), Transform::log2p1);
  SummaryStatsAccumulator cpu(testing::s1_shape(d), Transform::log2p1);
  add_chunk(gpu, d, y, 0, 1000);
  add_chunk(cpu, d, y, 0, 1000);
  expect_stats_near(gpu.stats(), cpu.stats(), 1e-12);
  add_chunk(gpu, d, y, 1000, 4000);  // a larger chunk: the buffers grow
  add_chunk(cpu, d, y, 1000, 4000);
  expect_stats_near(gpu.stats(), cpu.stats(), 1e-12);
}

// The GPU sums in the CPU's blocks: with blocks of 500 cells, the chunks change no bit, and
// every chunking equals the CPU's.
TEST(GpuSummaryStats, BlocksMakeTheChunksInvisible) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("main", "sam");
  const Csr<double> y = s1_csr<double>();
  const Index block = 500;
  const SummaryStats cpu =
      accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1, 0, block), d, y, 4000);
  const SummaryStats ref =
      accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1, 0, block), d, y, 4000);
  expect_stats_near(ref, cpu, 1e-12);
  for (Index chunk : {Index{1}, Index{97}, Index{500}, Index{777}}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    const SummaryStats gpu =
        accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1, 0, block), d, y, chunk);
    EXPECT_EQ(gpu.XY, ref.XY);
    EXPECT_EQ(gpu.ZY, ref.ZY);
    EXPECT_EQ(gpu.Ynorm, ref.Ynorm);
    EXPECT_EQ(gpu.Ysum, ref.Ysum);
    EXPECT_EQ(gpu.nnz, ref.nnz);
  }
}

TEST(GpuSummaryStats, BadValuesGiveTheCpuMessage) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("main", "sam");
  Csr<double> y = s1_csr<double>();
  y.values[12345] = -1;
  const std::string cpu_message = testing::message_of<InputError>(
      [&] { accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500); });
  const std::string gpu_message = testing::message_of<InputError>(
      [&] { accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500); });
  EXPECT_FALSE(cpu_message.empty());
  EXPECT_EQ(gpu_message, cpu_message);
  // A value that is not a count (log-normalised data) is refused by both with one message.
  y.values[12345] = 0.5;
  const std::string cpu_fraction = testing::message_of<InputError>(
      [&] { accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500); });
  EXPECT_NE(cpu_fraction.find("not a count"), std::string::npos) << cpu_fraction;
  EXPECT_EQ(testing::message_of<InputError>(
                [&] { accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500); }),
            cpu_fraction);
}

}  // namespace
}  // namespace flashmm
