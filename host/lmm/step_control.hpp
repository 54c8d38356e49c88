#pragma once
// Internal: the safeguarded optimizer's step control (LmmOptions::robust), a hook in the
// per-gene Fisher-scoring loops. The loops compute FLASHMM's scoring step as always; the control
// accepts it when it keeps theta valid and does not lower the (restricted) log-likelihood, and
// otherwise halves it, tries a Newton step on the observed information, projects onto
// s_i >= 0 (nonnegative), or stops the gene with a reason.
#include <flashmm/lmm.hpp>

#include <functional>

namespace flashmm::detail {

/// The convergence criterion: max|dl|; with nonnegative, a component held at 0 whose score
/// points below 0 does not count (the projected score of a bound-constrained maximum).
double score_criterion(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl, bool nonnegative);

/// Whether the safeguarded optimizer fits a gene as a second, constrained pass: robust without
/// nonnegative, after the unconstrained pass did not converge.
inline bool falls_back_to_nonnegative(const LmmOptions& options) { return options.robust && !options.nonnegative; }

/// Whether FLASHMM's plain scoring ended well enough to keep its result under robust: it
/// converged (max|dl| < epsilon) at a finite, valid theta (loglik finite), with every variance
/// component >= 0 under nonnegative. Elsewhere the safeguarded optimizer refits the gene from the
/// start.
bool plain_scoring_succeeded(const LmmOptions& options, const Eigen::VectorXd& theta, bool converged, bool finite,
                             double loglik);

/// One gene's objective as the control sees it.
struct GeneObjective {
  std::function<double(const Eigen::VectorXd&)> loglik;            ///< -inf outside the valid region
  std::function<Eigen::MatrixXd(const Eigen::VectorXd&)> hessian;  ///< observed information
};

class StepControl {
 public:
  /// nonnegative: keep s_1..s_k >= 0 (LmmOptions::nonnegative, or robust's fallback).
  StepControl(bool nonnegative, GeneObjective objective) : nonnegative_(nonnegative), objective_(std::move(objective)) {}

  bool nonnegative() const { return nonnegative_; }

  /// Given the score dl and Fisher information F at theta and the plain scoring step, returns
  /// the step to take. When no step improves the likelihood it returns a zero step and sets
  /// stopped() with the reason (singular or stalled).
  Eigen::VectorXd safeguard(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl, const Eigen::MatrixXd& F,
                            const Eigen::VectorXd& scoring_step);

  bool stopped() const { return stopped_; }
  GeneStatus reason() const { return reason_; }

 private:
  /// The largest of 1, 1/2, 1/4, .. for which theta + t step (projected) is valid and does not
  /// lower the likelihood below l0 - tol; sets l_out. 0 when none.
  double line_search(const Eigen::VectorXd& theta, const Eigen::VectorXd& step, double l0, double& l_out) const;
  Eigen::VectorXd project(Eigen::VectorXd theta) const;

  bool nonnegative_;
  GeneObjective objective_;
  bool stopped_ = false;
  GeneStatus reason_ = GeneStatus::max_iter;
};

}  // namespace flashmm::detail
