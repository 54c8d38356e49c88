#include "fit/ginv.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

Eigen::MatrixXd ginv(const Eigen::MatrixXd& a) {
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd& sv = svd.singularValues();
  if (sv.size() == 0 || !sv.allFinite()) return Eigen::MatrixXd::Constant(a.cols(), a.rows(), NAN);
  const double cut = kGinvTolerance * sv(0);
  Eigen::VectorXd inv = Eigen::VectorXd::Zero(sv.size());
  for (Eigen::Index i = 0; i < sv.size(); ++i)
    if (sv(i) > cut) inv(i) = 1.0 / sv(i);
  return svd.matrixV() * inv.asDiagonal() * svd.matrixU().transpose();
}

Eigen::MatrixXd symmetric_ginv(const Eigen::MatrixXd& a) {
  Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() == Eigen::Success) {
    Eigen::MatrixXd inv = llt.solve(Eigen::MatrixXd::Identity(a.rows(), a.cols()));
    const double bound = a.norm() * inv.norm();
    if (std::isfinite(bound) && bound * kGinvTolerance < 0.5) return inv;
  }
  return ginv(a);
}

}  // namespace flashmm::detail
