#pragma once
// Internal: the safeguarded optimizer's step control (LmmOptions::robust), a hook in the
// per-gene Fisher-scoring loops. The loops compute FLASHMM's scoring step as always; the control
// accepts it when it keeps theta valid and does not lower the (restricted) log-likelihood, and
// otherwise halves it, tries a Newton step on the observed information, projects onto
// s_i >= 0 (nonnegative), or stops the gene with a reason.
#include <flashmm/lmm.hpp>

#include "fit/prepared.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

namespace flashmm::detail {

/// The convergence criterion: max|dl|; with nonnegative, a component held at 0 whose score
/// points below 0 does not count (the projected score of a bound-constrained maximum).
double score_criterion(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl, bool nonnegative);

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
  /// The objective must outlive the control.
  StepControl(bool nonnegative, const GeneObjective& objective) : nonnegative_(nonnegative), objective_(objective) {}

  bool nonnegative() const { return nonnegative_; }
  /// theta with s_1..s_k < 0 set to 0 under nonnegative: where a pass starts and every step ends.
  Eigen::VectorXd project(Eigen::VectorXd theta) const;

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

  bool nonnegative_;
  const GeneObjective& objective_;
  bool stopped_ = false;
  GeneStatus reason_ = GeneStatus::max_iter;
};

/// One evaluation of the scoring iteration at theta: the score, the Fisher information and
/// FLASHMM's step ginv(F) dl.
struct ScoringStep {
  Eigen::VectorXd dl;
  Eigen::MatrixXd F;
  Eigen::VectorXd step;
};

/// The safeguarded optimizer on a gene that plain scoring did not fit: the scoring iteration from
/// start (projected onto s_i >= 0 under nonnegative), every step through a StepControl. Under
/// robust without nonnegative, a gene whose unconstrained pass does not converge is fitted once
/// more with s_i >= 0, lme4's boundary estimate (ve.fallback; store_gene marks it
/// converged_nonnegative). score(theta) -> ScoringStep. Returns theta; sets ve's niter, finite,
/// stop_reason and fallback.
template <class Score>
Eigen::VectorXd fit_safeguarded(const LmmOptions& options, const GeneObjective& objective,
                                const Eigen::VectorXd& start, Score&& score, VarianceEstimate& ve) {
  Eigen::VectorXd s;
  // One pass from the start; returns whether it converged.
  auto pass = [&](bool nonnegative) {
    StepControl control(nonnegative, objective);
    ve = VarianceEstimate{};
    s = control.project(start);
    double max_dl = std::numeric_limits<double>::infinity();
    while (max_dl > options.epsilon && ve.niter < options.max_iter) {
      ++ve.niter;
      const ScoringStep sc = score(s);
      max_dl = score_criterion(s, sc.dl, nonnegative);
      const Eigen::VectorXd step = control.safeguard(s, sc.dl, sc.F, sc.step);
      if (control.stopped()) {
        ve.stop_reason = control.reason();
        return false;
      }
      s += step;
      if (!s.allFinite() || !std::isfinite(max_dl)) {
        ve.finite = false;
        return false;
      }
    }
    return max_dl <= options.epsilon;
  };
  if (!pass(options.nonnegative) && !options.nonnegative) {
    pass(true);
    ve.fallback = true;
  }
  return s;
}

/// The safeguarded optimizer's end at its estimate s: FLASHMM's last step (the residual variance
/// re-estimated, one more evaluation) kept only where it leaves theta valid without lowering the
/// likelihood, elsewhere the evaluation at s as it is; sets ve's theta, dl, F and logdet_m0.
/// finish(s, finite) -> {theta, evaluation with dl, F, logdet_m0}; loglik(theta) -> double.
template <class Finish, class LogLik>
void end_safeguarded(const Eigen::VectorXd& s, Finish&& finish, LogLik&& loglik, VarianceEstimate& ve) {
  auto [theta, ev] = finish(s, ve.finite);
  if (ve.finite && !(loglik(theta) >= loglik(s))) std::tie(theta, ev) = finish(s, false);
  ve.theta = theta;
  ve.dl = ev.dl;
  ve.F = ev.F;
  ve.logdet_m0 = ev.logdet_m0;
}

}  // namespace flashmm::detail
