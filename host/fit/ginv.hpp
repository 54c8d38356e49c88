#pragma once
// Moore-Penrose pseudo-inverses as FLASHMM uses them (R's MASS::ginv).
#include <Eigen/Dense>

#include <cmath>
#include <limits>

namespace flashmm::detail {

/// MASS::ginv's tolerance: singular values <= this x the largest count as zero.
inline const double kGinvTolerance = std::sqrt(std::numeric_limits<double>::epsilon());

/// MASS::ginv: SVD, singular values <= sqrt(machine eps) x the largest are dropped.
Eigen::MatrixXd ginv(const Eigen::MatrixXd& a);

/// The same result for a (numerically) symmetric matrix, faster: the plain inverse from a
/// Cholesky factorisation when a bound on the condition number, ||A||_F ||A^-1||_F, proves that
/// ginv would drop no singular value; ginv otherwise (indefinite or ill-conditioned A).
Eigen::MatrixXd symmetric_ginv(const Eigen::MatrixXd& a);

}  // namespace flashmm::detail
