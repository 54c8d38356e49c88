// GPU summary statistics against the CPU accumulator on s1 (log2(1 + counts), 60 genes x 4000
// cells) for chunk sizes giving 1, 2 and many chunks and for float, double, int32 and int64
// values; run-to-run determinism; error messages as the CPU's. Skipped without a usable device.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include "gpu/require_gpu.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>

namespace flashmm {
namespace {

using testing::near_relative;


// s1 counts as cells x genes CSR of type T (counts are integers, exact in every type).
template <class T>
struct Csr {
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<T> values;
};

template <class T>
Csr<T> s1_csr() {
  const Eigen::MatrixXd& y = testing::s1().counts;
  Csr<T> c;
  for (Index i = 0; i < y.rows(); ++i) {
    for (Index g = 0; g < y.cols(); ++g)
      if (y(i, g) != 0) {
        c.indices.push_back(static_cast<std::int32_t>(g));
        c.values.push_back(static_cast<T>(y(i, g)));
      }
    c.indptr.push_back(static_cast<std::int64_t>(c.values.size()));
  }
  return c;
}

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

void expect_near(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol, const char* what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.cols(), b.cols()) << what;
  for (Index i = 0; i < a.rows(); ++i)
    for (Index j = 0; j < a.cols(); ++j)
      ASSERT_TRUE(near_relative(a(i, j), b(i, j), tol)) << what << "(" << i << "," << j << "): " << a(i, j) << " vs " << b(i, j);
}

void expect_stats_near(const SummaryStats& gpu, const SummaryStats& cpu, double tol) {
  EXPECT_EQ(gpu.n, cpu.n);
  EXPECT_EQ(gpu.XX, cpu.XX);  // the design part is the CPU's own code
  EXPECT_EQ(gpu.ZX, cpu.ZX);
  EXPECT_EQ(gpu.ZZ, cpu.ZZ);
  expect_near(gpu.XY, cpu.XY, tol, "XY");
  expect_near(gpu.ZY, cpu.ZY, tol, "ZY");
  expect_near(gpu.Ynorm, cpu.Ynorm, tol, "Ynorm");
  EXPECT_EQ(gpu.gene_names, cpu.gene_names);
  EXPECT_EQ(gpu.fixed_names, cpu.fixed_names);
}

template <class T>
void check_type(const char* type_name) {
  const testing::S1Design d = testing::s1_design("main", "sam");
  const Csr<T> y = s1_csr<T>();
  for (Index chunk : {Index{4000}, Index{2000}, Index{1500}, Index{97}, Index{1}}) {
    SCOPED_TRACE(std::string(type_name) + ", chunk " + std::to_string(chunk));
    const SummaryStats cpu = accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, chunk);
    const SummaryStats gpu = accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, chunk);
    expect_stats_near(gpu, cpu, 1e-12);
  }
}

TEST(GpuSummaryStats, EqualsCpuForDoubleValues) {
  FLASHMM_REQUIRE_GPU();
  check_type<double>("double");
}
TEST(GpuSummaryStats, EqualsCpuForFloatValues) {
  FLASHMM_REQUIRE_GPU();
  check_type<float>("float");
}
TEST(GpuSummaryStats, EqualsCpuForInt32Values) {
  FLASHMM_REQUIRE_GPU();
  check_type<std::int32_t>("int32");
}
TEST(GpuSummaryStats, EqualsCpuForInt64Values) {
  FLASHMM_REQUIRE_GPU();
  check_type<std::int64_t>("int64");
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

TEST(GpuSummaryStats, BadValuesGiveTheCpuMessage) {
  FLASHMM_REQUIRE_GPU();
  const testing::S1Design d = testing::s1_design("main", "sam");
  Csr<double> y = s1_csr<double>();
  y.values[12345] = -1;
  std::string cpu_message, gpu_message;
  try {
    accumulate(SummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500);
  } catch (const InputError& e) {
    cpu_message = e.what();
  }
  try {
    accumulate(GpuSummaryStatsAccumulator(testing::s1_shape(d), Transform::log2p1), d, y, 500);
  } catch (const InputError& e) {
    gpu_message = e.what();
  }
  EXPECT_FALSE(cpu_message.empty());
  EXPECT_EQ(gpu_message, cpu_message);
}

}  // namespace
}  // namespace flashmm
