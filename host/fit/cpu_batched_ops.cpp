// The CPU emulation of the batched device (fit/batched_ops.hpp): host memory, the per-block
// functions of flashmm/detail run block by block with a serial team, and the BLAS calls with
// cuBLAS's semantics. Launch configurations and BLAS arguments are checked as the device and
// cuBLAS would check them, so that a call the device would refuse fails here too.
#include <flashmm/error.hpp>

#include "fit/batched_ops.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace flashmm::detail {

namespace {

using Stride = Eigen::OuterStride<>;
using ConstMap = Eigen::Map<const Eigen::MatrixXd, 0, Stride>;
using MutMap = Eigen::Map<Eigen::MatrixXd, 0, Stride>;

[[noreturn]] void refuse(const std::string& what) {
  throw NumericalError("internal error: the batched fit made a call the device would refuse: " + what);
}

void check_grid(const BlockGrid& g, const char* op) {
  if (g.x < 0 || g.y < 0 || g.x > 2147483647LL || g.y > 65535 || g.threads < 1 || g.threads > kMaxBlockThreads ||
      g.shared_doubles * 8 > 227 * 1024)
    refuse(std::string(op) + " launched with grid " + std::to_string(g.x) + " x " + std::to_string(g.y) + ", " +
           std::to_string(g.threads) + " threads, " + std::to_string(g.shared_doubles * 8) + " bytes of shared memory");
}

template <class Op>
void emulate(const typename Op::Args& args, const char* name) {
  const BlockGrid g = Op::grid(args);
  check_grid(g, name);
  std::vector<double> shared(static_cast<std::size_t>(g.shared_doubles));
  const SerialTeam team;
  for (long long by = 0; by < g.y; ++by)
    for (long long bx = 0; bx < g.x; ++bx) Op::block(team, args, bx, by, shared.data());
}

void check_matrix(const char* what, int rows, int cols, int ld) {
  if (rows < 0 || cols < 0 || ld < (rows > 1 ? rows : 1)) refuse(std::string(what) + ": leading dimension " +
                                                                  std::to_string(ld) + " for " + std::to_string(rows) +
                                                                  " rows");
}

// One C := alpha op(A) op(B) + beta C (BLAS: C is not read when beta is 0).
void gemm_one(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* A, int lda, const double* B, int ldb,
              double beta, double* C, int ldc) {
  if (m == 0 || n == 0) return;
  MutMap c(C, m, n, Stride(ldc));
  Eigen::MatrixXd prod;
  if (k == 0) {
    prod = Eigen::MatrixXd::Zero(m, n);
  } else {
    const ConstMap a(A, ta == Trans::n ? m : k, ta == Trans::n ? k : m, Stride(lda));
    const ConstMap b(B, tb == Trans::n ? k : n, tb == Trans::n ? n : k, Stride(ldb));
    if (ta == Trans::n && tb == Trans::n) prod.noalias() = a * b;
    else if (ta == Trans::n) prod.noalias() = a * b.transpose();
    else if (tb == Trans::n) prod.noalias() = a.transpose() * b;
    else prod.noalias() = a.transpose() * b.transpose();
  }
  if (beta == 0) c = alpha * prod;
  else c = beta * c + alpha * prod;
}

void check_gemm(Trans ta, Trans tb, int m, int n, int k, int lda, int ldb, int ldc, int batch) {
  if (m < 0 || n < 0 || k < 0 || batch < 0) refuse("gemm with a negative size");
  check_matrix("gemm A", ta == Trans::n ? m : k, ta == Trans::n ? k : m, lda);
  check_matrix("gemm B", tb == Trans::n ? k : n, tb == Trans::n ? n : k, ldb);
  check_matrix("gemm C", m, n, ldc);
}

class CpuBatchedOps final : public BatchedOps {
 public:
  explicit CpuBatchedOps(std::size_t memory) : memory_(memory) {}

  std::size_t free_bytes() override { return memory_ > used_ ? memory_ - used_ : 0; }

  std::shared_ptr<void> allocate(std::size_t bytes, const std::string& what) override {
    if (bytes > free_bytes())
      throw DeviceError("out of GPU memory: " + what + " needs " + std::to_string(bytes) + " bytes (emulated device, " +
                        std::to_string(free_bytes()) + " bytes free)");
    const std::size_t rounded = (bytes + 255) / 256 * 256;
    void* p = std::aligned_alloc(256, rounded == 0 ? 256 : rounded);
    if (p == nullptr) throw DeviceError("out of host memory emulating the device: " + what);
    used_ += bytes;
    return std::shared_ptr<void>(p, [this, bytes](void* ptr) {
      std::free(ptr);
      used_ -= bytes;
    });
  }

  void upload(void* device, const void* host, std::size_t bytes) override {
    if (bytes > 0) std::memcpy(device, host, bytes);
  }
  void download(void* host, const void* device, std::size_t bytes) override {
    if (bytes > 0) std::memcpy(host, device, bytes);
  }

  void gemm_strided(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* A, int lda, long long sa,
                    const double* B, int ldb, long long sb, double beta, double* C, int ldc, long long sc,
                    int batch) override {
    check_gemm(ta, tb, m, n, k, lda, ldb, ldc, batch);
    for (int i = 0; i < batch; ++i) gemm_one(ta, tb, m, n, k, alpha, A + i * sa, lda, B + i * sb, ldb, beta, C + i * sc, ldc);
  }

  void gemm_batched(Trans ta, Trans tb, int m, int n, int k, double alpha, const double* const* A, int lda,
                    const double* const* B, int ldb, double beta, double* const* C, int ldc, int batch) override {
    check_gemm(ta, tb, m, n, k, lda, ldb, ldc, batch);
    for (int i = 0; i < batch; ++i) gemm_one(ta, tb, m, n, k, alpha, A[i], lda, B[i], ldb, beta, C[i], ldc);
  }

  // LAPACK's dgetrf (right-looking, partial pivoting on the first largest |a|), as cuBLAS's
  // batched version returns it: packed L\U, 1-based pivots, info = first zero pivot.
  void getrf_batched(int n, double* const* A, int lda, int* pivots, int* info, int batch) override {
    check_matrix("getrf A", n, n, lda);
    for (int b = 0; b < batch; ++b) {
      MutMap a(A[b], n, n, Stride(lda));
      int* piv = pivots + static_cast<long long>(b) * n;
      info[b] = 0;
      for (int j = 0; j < n; ++j) {
        Eigen::Index p = 0;
        const double big = a.col(j).tail(n - j).cwiseAbs().maxCoeff(&p);
        p += j;
        piv[j] = static_cast<int>(p) + 1;
        if (big == 0) {  // an exactly zero column: recorded, nothing to eliminate (dgetf2)
          if (info[b] == 0) info[b] = j + 1;
          continue;
        }
        if (p != j) a.row(j).swap(a.row(p));
        const int m = n - j - 1;
        if (m > 0) {
          a.col(j).tail(m) /= a(j, j);
          a.bottomRightCorner(m, m).noalias() -= a.col(j).tail(m) * a.row(j).tail(m);
        }
      }
    }
  }

  void getrs_batched(Trans t, int n, int nrhs, const double* const* A, int lda, const int* pivots, double* const* B,
                     int ldb, int batch) override {
    check_matrix("getrs A", n, n, lda);
    check_matrix("getrs B", n, nrhs, ldb);
    for (int b = 0; b < batch; ++b) {
      const ConstMap a(A[b], n, n, Stride(lda));
      MutMap x(B[b], n, nrhs, Stride(ldb));
      const int* piv = pivots + static_cast<long long>(b) * n;
      if (t == Trans::n) {
        for (int j = 0; j < n; ++j)
          if (piv[j] - 1 != j) x.row(j).swap(x.row(piv[j] - 1));
        a.triangularView<Eigen::UnitLower>().solveInPlace(x);
        a.triangularView<Eigen::Upper>().solveInPlace(x);
      } else {
        a.transpose().triangularView<Eigen::Lower>().solveInPlace(x);
        a.transpose().triangularView<Eigen::UnitUpper>().solveInPlace(x);
        for (int j = n - 1; j >= 0; --j)
          if (piv[j] - 1 != j) x.row(j).swap(x.row(piv[j] - 1));
      }
    }
  }

#define FLASHMM_EMULATE_RUN(Op) \
  void run(const Op::Args& args) override { emulate<Op>(args, #Op); }
  FLASHMM_BATCHED_OPERATIONS(FLASHMM_EMULATE_RUN)
#undef FLASHMM_EMULATE_RUN

 private:
  std::size_t memory_;
  std::size_t used_ = 0;
};

}  // namespace

std::unique_ptr<BatchedOps> make_cpu_batched_ops(std::size_t memory_bytes) {
  return std::make_unique<CpuBatchedOps>(memory_bytes);
}

}  // namespace flashmm::detail
