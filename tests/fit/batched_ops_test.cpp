// The per-matrix device functions of the batched fit on the CPU (flashmm/detail/small_pinv.hpp,
// dense_tiles.hpp, batched_cholesky.hpp) and the CPU emulation of the device's BLAS calls
// (host/fit/cpu_batched_ops.cpp), against Eigen: the pieces the GPU runs, one by one.
#include <gtest/gtest.h>

#include <flashmm/detail/fixed_effects_batch.hpp>
#include <flashmm/detail/small_pinv.hpp>

#include "fit/batched_ops.hpp"
#include "fit/blocked_cholesky.hpp"
#include "fit/ginv.hpp"
#include "support/expect.hpp"

#include <random>

namespace flashmm {
namespace {

using testing::expect_matrix_near;

Eigen::MatrixXd random_matrix(Index rows, Index cols, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = normal(rng);
  return m;
}

Eigen::MatrixXd device_pinv(const Eigen::MatrixXd& a) {
  const int n = static_cast<int>(a.rows());
  Eigen::MatrixXd out(n, n);
  std::vector<double> work(2 * static_cast<std::size_t>(n * n));
  detail::pinv_symmetric(n, a.data(), n, out.data(), n, detail::kGinvTolerance, work.data());
  return out;
}

// MASS::ginv's rule on symmetric matrices: full rank, indefinite, rank deficient, zero, NaN.
TEST(BatchedOps, PinvSymmetricEqualsGinv) {
  std::mt19937_64 rng(3);
  for (int n = 1; n <= 9; ++n) {
    SCOPED_TRACE(n);
    const Eigen::MatrixXd r = random_matrix(n, n, rng);
    const Eigen::MatrixXd spd = r * r.transpose() + Eigen::MatrixXd::Identity(n, n);
    expect_matrix_near(device_pinv(spd), detail::ginv(spd), 1e-12, "positive definite");
    const Eigen::MatrixXd indefinite = r + r.transpose();
    expect_matrix_near(device_pinv(indefinite), detail::ginv(indefinite), 1e-10, "indefinite");
    if (n > 1) {  // rank n - 1: one direction is dropped by both
      const Eigen::MatrixXd low = r.leftCols(n - 1) * r.leftCols(n - 1).transpose();
      const Eigen::MatrixXd a = device_pinv(low), b = detail::ginv(low);
      EXPECT_LT((a - b).norm(), 1e-9 * b.norm());
    }
  }
  EXPECT_TRUE(device_pinv(Eigen::MatrixXd::Zero(3, 3)).isZero(0));
  Eigen::MatrixXd bad = Eigen::MatrixXd::Identity(3, 3);
  bad(1, 2) = bad(2, 1) = std::nan("");
  EXPECT_TRUE(device_pinv(bad).array().isNaN().all());
  // The 2 x 2 Fisher information of FLASHMM's scoring, rank one as at a boundary.
  const Eigen::Matrix2d rank_one{{4, 2}, {2, 1}};
  expect_matrix_near(device_pinv(rank_one), detail::ginv(rank_one), 1e-13, "rank one");
}

// The device's symmetric_ginv (Cholesky with the condition bound, else MASS::ginv) equals the
// host's on every branch: well conditioned, conditioned past the bound, singular, indefinite.
TEST(BatchedOps, SymmetricGinvTeamEqualsHost) {
  std::mt19937_64 rng(11);
  const int p = 12;
  const Eigen::MatrixXd r = random_matrix(p, p, rng);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU);
  const Eigen::MatrixXd Q = svd.matrixU();
  auto with_eigenvalues = [&](const Eigen::VectorXd& lambda) { return Eigen::MatrixXd(Q * lambda.asDiagonal() * Q.transpose()); };
  Eigen::VectorXd well = Eigen::VectorXd::LinSpaced(p, 1.0, 10.0), steep = well, singular = well, indefinite = well;
  steep(0) = 1e-8;     // condition 1e9: past the bound, ginv keeps every direction (above sqrt(eps))
  singular(0) = 0;     // Cholesky fails: ginv drops the direction
  indefinite(1) = -3;  // Cholesky fails: ginv of an indefinite matrix
  for (const auto& [what, lambda] : {std::pair<const char*, Eigen::VectorXd>{"well conditioned", well},
                                     {"steep", steep}, {"singular", singular}, {"indefinite", indefinite}}) {
    const Eigen::MatrixXd W = with_eigenvalues(lambda);
    Eigen::MatrixXd out(p, p);
    std::vector<double> work(4 * static_cast<std::size_t>(p * p));
    detail::symmetric_ginv_team(detail::SerialTeam{}, W.data(), p, out.data(), detail::kGinvTolerance, work.data());
    const Eigen::MatrixXd want = detail::symmetric_ginv(W);
    EXPECT_LT((out - want).norm(), 1e-9 * want.norm()) << what;
  }
}

// The blocked Cholesky factorization and solves of the batched general path, on three slots of
// q = 70 (three tiles, BlockedCholesky): L L' = K, L^-1 X and L^-T L^-1 X as Eigen's, and a slot that is not positive
// definite flagged in info while the others are factorized as if it were not there.
TEST(BatchedOps, BlockedCholeskyAndSolvesPerSlot) {
  std::mt19937_64 rng(5);
  const int q = 70, slots = 3, cols = 5;
  const long long qq = q * q;
  const auto ops = detail::make_cpu_batched_ops(std::size_t{1} << 30);
  std::vector<Eigen::MatrixXd> K(slots), X(slots);
  std::vector<double> k_all(static_cast<std::size_t>(slots * qq)), x_all(static_cast<std::size_t>(slots * q * cols));
  for (int s = 0; s < slots; ++s) {
    const Eigen::MatrixXd r = random_matrix(q, q, rng);
    K[static_cast<std::size_t>(s)] = r * r.transpose() / q + Eigen::MatrixXd::Identity(q, q);
    if (s == 1) K[1](40, 40) = -1;  // not positive definite: the factorization fails at column 41
    X[static_cast<std::size_t>(s)] = random_matrix(q, cols, rng);
    std::copy_n(K[static_cast<std::size_t>(s)].data(), qq, k_all.data() + s * qq);
    std::copy_n(X[static_cast<std::size_t>(s)].data(), q * cols, x_all.data() + s * q * cols);
  }
  auto dk = ops->allocate(k_all.size() * sizeof(double), "K");
  auto dx = ops->allocate(x_all.size() * sizeof(double), "X");
  auto dinfo = ops->allocate(slots * sizeof(int), "info");
  ops->upload(dk.get(), k_all.data(), k_all.size() * sizeof(double));
  ops->upload(dx.get(), x_all.data(), x_all.size() * sizeof(double));
  const std::vector<int> zero(slots, 0);
  ops->upload(dinfo.get(), zero.data(), slots * sizeof(int));
  auto* kd = static_cast<double*>(dk.get());
  auto* xd = static_cast<double*>(dx.get());
  detail::BlockedCholesky chol(*ops, q);
  chol.factorize(kd, static_cast<int*>(dinfo.get()), slots);
  std::vector<int> info(slots);
  ops->download(info.data(), dinfo.get(), slots * sizeof(int));
  EXPECT_EQ(info, (std::vector<int>{0, 41, 0}));
  chol.solve(kd, xd, q, static_cast<long long>(q) * cols, cols, false, slots);
  ops->download(k_all.data(), dk.get(), k_all.size() * sizeof(double));
  ops->download(x_all.data(), dx.get(), x_all.size() * sizeof(double));
  for (int s : {0, 2}) {
    const Eigen::LLT<Eigen::MatrixXd> llt(K[static_cast<std::size_t>(s)]);
    const Eigen::MatrixXd L = Eigen::Map<const Eigen::MatrixXd>(k_all.data() + s * qq, q, q).triangularView<Eigen::Lower>();
    expect_matrix_near(L, llt.matrixL(), 1e-12, "L");
    const Eigen::MatrixXd y = llt.matrixL().solve(X[static_cast<std::size_t>(s)]);
    expect_matrix_near(Eigen::Map<const Eigen::MatrixXd>(x_all.data() + s * q * cols, q, cols), y, 1e-11, "L^-1 X");
  }
  // And back: L^-T (L^-1 X) = K^-1 X.
  ops->upload(dx.get(), x_all.data(), x_all.size() * sizeof(double));
  chol.solve(kd, xd, q, static_cast<long long>(q) * cols, cols, true, slots);
  ops->download(x_all.data(), dx.get(), x_all.size() * sizeof(double));
  for (int s : {0, 2})
    expect_matrix_near(Eigen::Map<const Eigen::MatrixXd>(x_all.data() + s * q * cols, q, cols),
                       K[static_cast<std::size_t>(s)].llt().solve(X[static_cast<std::size_t>(s)]), 1e-10, "K^-1 X");
}

// getrf/getrs with cuBLAS's (LAPACK's) semantics: pivots, packed factors, both transposes.
TEST(BatchedOps, EmulatedLuSolvesAsEigen) {
  std::mt19937_64 rng(9);
  const int n = 37, nrhs = 3;
  const auto ops = detail::make_cpu_batched_ops(std::size_t{1} << 30);
  const Eigen::MatrixXd A = random_matrix(n, n, rng), B = random_matrix(n, nrhs, rng);
  for (detail::Trans t : {detail::Trans::n, detail::Trans::t}) {
    Eigen::MatrixXd a = A, b = B;
    double* ap = a.data();
    double* bp = b.data();
    std::vector<int> piv(n), info(1);
    ops->getrf_batched(n, &ap, n, piv.data(), info.data(), 1);
    EXPECT_EQ(info[0], 0);
    ops->getrs_batched(t, n, nrhs, &ap, n, piv.data(), &bp, n, 1);
    const Eigen::MatrixXd want = t == detail::Trans::n ? Eigen::MatrixXd(A.partialPivLu().solve(B))
                                                       : Eigen::MatrixXd(A.transpose().partialPivLu().solve(B));
    expect_matrix_near(b, want, 1e-10, t == detail::Trans::n ? "A X = B" : "A' X = B");
  }
  Eigen::MatrixXd singular = A;
  singular.col(4).setZero();
  double* sp = singular.data();
  std::vector<int> piv(n), info(1);
  ops->getrf_batched(n, &sp, n, piv.data(), info.data(), 1);
  EXPECT_EQ(info[0], 5);
}

// The emulation refuses what the device would: a leading dimension too small, a grid too tall.
TEST(BatchedOps, EmulationRefusesWhatTheDeviceWould) {
  const auto ops = detail::make_cpu_batched_ops(std::size_t{1} << 20);
  double a[4] = {}, c[4] = {};
  EXPECT_THROW(ops->gemm_strided(detail::Trans::n, detail::Trans::n, 2, 2, 2, 1.0, a, 1, 0, a, 2, 0, 0.0, c, 2, 0, 1),
               NumericalError);
  EXPECT_THROW(ops->run(detail::Broadcast::Args{a, 1, c, 1, 70000}), NumericalError);
  EXPECT_THROW(ops->allocate(std::size_t{2} << 20, "too much"), DeviceError);
}

}  // namespace
}  // namespace flashmm
