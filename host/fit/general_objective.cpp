#include "fit/general_objective.hpp"

#include <cmath>
#include <limits>
#include <numbers>

namespace flashmm::detail {

namespace {
constexpr double kMinusInf = -std::numeric_limits<double>::infinity();
}

GeneralObjective::GeneralObjective(const Prepared& pre) : pre_(pre) {
  // The nonzero eigenvalues of Z D Z' are those of D ZZ = D R'R, hence of R D R' (symmetric), so a
  // Cholesky factorisation of I + R D R' decides whether V is positive definite.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(pre.stats->ZZ);
  const Eigen::VectorXd root_values = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  root_ = root_values.asDiagonal() * eig.eigenvectors().transpose();
}

double GeneralObjective::loglik(Index g, const Eigen::VectorXd& theta) const {
  const Prepared& pre = pre_;
  const double s0 = theta(pre.k);
  if (!(s0 > 0) || !theta.allFinite()) return kMinusInf;
  const Eigen::VectorXd r = variance_ratios(pre_, theta);
  const Index q = pre.q;
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(q, q);
  Eigen::LLT<Eigen::MatrixXd> v_chol(identity + root_ * r.asDiagonal() * root_.transpose());
  if (v_chol.info() != Eigen::Success) return kMinusInf;

  const auto zry = pre.zry.col(g);
  Eigen::PartialPivLU<Eigen::MatrixXd> lu(identity + r.asDiagonal() * pre.zrz);
  const double quad = zry.dot(lu.solve(r.cwiseProduct(zry)));  // zry' M D zry
  double logdet;
  if (pre.method == Method::reml)
    logdet = lu.matrixLU().diagonal().cwiseAbs().array().log().sum();
  else
    logdet = 2.0 * v_chol.matrixLLT().diagonal().array().log().sum();  // log|I + D ZZ|
  const double ypy = (pre.yry(g) - quad) / s0;
  const auto n_pres = static_cast<double>(pre.n - pre.pres);
  const double out = -(n_pres * (std::log(2.0 * std::numbers::pi) + std::log(s0)) + logdet + ypy) / 2.0;
  return std::isfinite(out) ? out : kMinusInf;
}

Eigen::MatrixXd GeneralObjective::observed_information(Index g, const Eigen::VectorXd& theta) const {
  const Prepared& pre = pre_;
  const SummaryStats& st = *pre.stats;
  const int k = pre.k;
  const Index q = pre.q;
  const double s0 = theta(k);
  const Eigen::VectorXd r = variance_ratios(pre_, theta);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(q, q);
  const auto zry = pre.zry.col(g);

  // Z'PZ = zrz M / s0 and Z'Py = M' zry / s0 (= a / s0): P in the basis of Z.
  const Eigen::MatrixXd M = Eigen::PartialPivLU<Eigen::MatrixXd>(identity + r.asDiagonal() * pre.zrz).inverse();
  const Eigen::MatrixXd BR = pre.zrz * M;
  // The trace terms use P (REML) or V^-1 (ML): Z'V^-1Z = ZZ M0 / s0 with M0 = (I + D ZZ)^-1.
  const Eigen::MatrixXd M0 =
      pre.method == Method::reml ? M : Eigen::PartialPivLU<Eigen::MatrixXd>(identity + r.asDiagonal() * st.ZZ).inverse();
  const Eigen::MatrixXd B = (pre.method == Method::reml ? pre.zrz : st.ZZ) * M0;
  const Eigen::VectorXd a = M.transpose() * zry;
  const Eigen::VectorXd ma = M.transpose() * a;  // s0^2 Z'PPy
  const double s02 = s0 * s0, s03 = s02 * s0;

  Eigen::MatrixXd H(k + 1, k + 1);
  Index off_i = 0;
  for (int i = 0; i < k; ++i) {
    const Index di = st.d[static_cast<std::size_t>(i)];
    Index off_j = 0;
    for (int j = 0; j <= i; ++j) {
      const Index dj = st.d[static_cast<std::size_t>(j)];
      const double quad = a.segment(off_j, dj).dot(BR.block(off_j, off_i, dj, di) * a.segment(off_i, di));
      const double fisher = B.block(off_j, off_i, dj, di).squaredNorm() / 2;
      H(i, j) = H(j, i) = (quad / s03) - fisher / s02;
      off_j += dj;
    }
    double tr_c = 0;  // trace of (B M0)[I_i, I_i]
    for (Index row = off_i; row < off_i + di; ++row) tr_c += B.row(row).dot(M0.col(row));
    H(i, k) = H(k, i) = a.segment(off_i, di).dot(ma.segment(off_i, di)) / s03 - tr_c / s02 / 2;
    off_i += di;
  }
  const double n_eff = static_cast<double>(pre.n - pre.pres - q);
  const Eigen::VectorXd mdz = M * r.cwiseProduct(zry);             // M D zry
  const double yr2y = pre.yry(g) - (M.transpose() * zry + zry).dot(mdz);  // s0^2 y'PPy
  const double amda = a.dot(M * r.cwiseProduct(a));               // a' M D a
  H(k, k) = (yr2y - amda) / s03 - (n_eff + (M0.array() * M0.transpose().array()).sum()) / s02 / 2;
  return H;
}

}  // namespace flashmm::detail
