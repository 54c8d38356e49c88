#pragma once
// Internal: the (restricted) log-likelihood of one gene at any theta and its observed
// information, for any number of random components, from the summary statistics
// (ALGORITHM.md section 7). O(q^3) per call. Used by the safeguarded optimizer and by the
// Satterthwaite degrees of freedom.
//
// With V = s0 (I + Z D Z'), D = diag(r), r = s_i / s0 per column, M = (I + D zrz)^-1 and A = zrz
// (REML) or ZZ (ML):
//   -2 l = (n - pres)(log 2 pi + log s0) + log|I + D A| + (yry - zry' M D zry) / s0,
// which at FLASHMM's final estimate equals its logLik.
#include "fit/prepared.hpp"

namespace flashmm::detail {

class GeneralObjective {
 public:
  explicit GeneralObjective(const Prepared& pre);

  /// log-likelihood (ML) or restricted log-likelihood (REML) of gene g at theta (k+1 values);
  /// -infinity outside the valid region: s0 > 0 and V positive definite.
  double loglik(Index g, const Eigen::VectorXd& theta) const;

  /// Observed information of gene g at theta: the Hessian of -loglik, (k+1) x (k+1), rows as
  /// theta. H = Q - F with F FLASHMM's Fisher information and Q_ij = y'P V_i P V_j P y.
  Eigen::MatrixXd observed_information(Index g, const Eigen::VectorXd& theta) const;

 private:
  const Prepared& pre_;
  Eigen::MatrixXd root_;  ///< R with R'R = ZZ: V is positive definite iff I + R D R' is
};

}  // namespace flashmm::detail
