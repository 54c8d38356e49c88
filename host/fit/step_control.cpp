#include <flashmm/detail/step_rules.hpp>

#include "fit/ginv.hpp"
#include "fit/step_control.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

namespace {

// Free parameters for nonnegative: a component at (or below) 0 whose score points down is held.
std::vector<Index> free_set(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl, bool nonnegative) {
  std::vector<Index> free;
  const Index k = theta.size() - 1;
  for (Index i = 0; i <= k; ++i)
    if (!(nonnegative && i < k && theta(i) <= 0 && dl(i) <= 0)) free.push_back(i);
  return free;
}

Eigen::MatrixXd restrict(const Eigen::MatrixXd& m, const std::vector<Index>& idx) {
  const auto n = static_cast<Index>(idx.size());
  Eigen::MatrixXd out(n, n);
  for (Index a = 0; a < n; ++a)
    for (Index b = 0; b < n; ++b) out(a, b) = m(idx[static_cast<std::size_t>(a)], idx[static_cast<std::size_t>(b)]);
  return out;
}

Eigen::VectorXd restrict(const Eigen::VectorXd& v, const std::vector<Index>& idx) {
  Eigen::VectorXd out(static_cast<Index>(idx.size()));
  for (std::size_t a = 0; a < idx.size(); ++a) out(static_cast<Index>(a)) = v(idx[a]);
  return out;
}

Eigen::VectorXd embed(const Eigen::VectorXd& v, const std::vector<Index>& idx, Index n) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(n);
  for (std::size_t a = 0; a < idx.size(); ++a) out(idx[a]) = v(static_cast<Index>(a));
  return out;
}

// Newton direction H^-1 dl on the observed information; where H is not positive definite (away
// from the maximum) its eigenvalues are replaced by their absolute values, floored, so that the
// direction still ascends.
Eigen::VectorXd newton_direction(const Eigen::MatrixXd& H, const Eigen::VectorXd& dl) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig((H + H.transpose()) / 2);
  if (eig.info() != Eigen::Success || !eig.eigenvalues().allFinite()) return Eigen::VectorXd::Zero(dl.size());
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  const double floor = lambda.cwiseAbs().maxCoeff() * std::sqrt(std::numeric_limits<double>::epsilon());
  if (!(floor > 0)) return Eigen::VectorXd::Zero(dl.size());
  const Eigen::VectorXd inv = lambda.cwiseAbs().cwiseMax(floor).cwiseInverse();
  return eig.eigenvectors() * inv.asDiagonal() * (eig.eigenvectors().transpose() * dl);
}

}  // namespace

double score_criterion(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl, bool nonnegative) {
  double out = 0;
  const Index k = theta.size() - 1;
  for (Index i = 0; i <= k; ++i) {
    if (nonnegative && i < k && theta(i) <= 0 && dl(i) <= 0) continue;
    const double a = std::abs(dl(i));
    out = std::isnan(a) || std::isnan(out) ? std::numeric_limits<double>::quiet_NaN() : std::max(out, a);
  }
  return out;
}

bool plain_scoring_succeeded(const LmmOptions& options, const Eigen::VectorXd& theta, bool converged, bool finite,
                             double loglik) {
  if (!finite || !converged || !std::isfinite(loglik)) return false;
  if (options.nonnegative)
    for (Index i = 0; i + 1 < theta.size(); ++i)
      if (theta(i) < 0) return false;
  return true;
}

Eigen::VectorXd StepControl::project(Eigen::VectorXd theta) const {
  if (nonnegative_)
    for (Index i = 0; i + 1 < theta.size(); ++i) theta(i) = std::max(theta(i), 0.0);
  return theta;
}

double StepControl::line_search(const Eigen::VectorXd& theta, const Eigen::VectorXd& step, double l0,
                                double& l_out) const {
  if (!step.allFinite() || step.isZero(0)) return 0;
  const double tol = kRoundingTolerance * (1.0 + std::abs(l0));
  double t = 1;
  for (int h = 0; h <= kMaxHalvings; ++h, t /= 2) {
    const double l = objective_.loglik(project(theta + t * step));
    if (l >= l0 - tol) {
      l_out = l;
      return t;
    }
  }
  return 0;
}

Eigen::VectorXd StepControl::safeguard(const Eigen::VectorXd& theta, const Eigen::VectorXd& dl,
                                       const Eigen::MatrixXd& F, const Eigen::VectorXd& scoring_step) {
  const Index n = theta.size();
  const double l0 = objective_.loglik(theta);
  // Outside the valid region (an invalid theta0) there is nothing to safeguard against.
  if (!std::isfinite(l0)) return scoring_step;

  const std::vector<Index> free = free_set(theta, dl, nonnegative_);
  const bool all_free = static_cast<Index>(free.size()) == n;
  const Eigen::VectorXd dl_free = restrict(dl, free);
  // Scoring on the free parameters; with none held it is exactly FLASHMM's step.
  const Eigen::VectorXd fisher = all_free ? scoring_step : embed(ginv(restrict(F, free)) * dl_free, free, n);

  double l_fisher = l0;
  const double t_fisher = line_search(theta, fisher, l0, l_fisher);
  if (t_fisher >= kStallStep) return project(theta + t_fisher * fisher) - theta;

  // Scoring stalls (a tiny step or none): try Newton on the observed information and keep
  // whichever step reaches the higher likelihood. Newton comes second because far from the
  // maximum its (modified) direction may lead to another local maximum than scoring's.
  const Eigen::VectorXd newton = embed(newton_direction(restrict(objective_.hessian(theta), free), dl_free), free, n);
  double l_newton = l0;
  const double t_newton = line_search(theta, newton, l0, l_newton);
  if (t_newton > 0 && (t_fisher == 0 || l_newton > l_fisher)) return project(theta + t_newton * newton) - theta;
  if (t_fisher > 0) return project(theta + t_fisher * fisher) - theta;

  stopped_ = true;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(restrict(F, free));
  const Eigen::VectorXd& sv = svd.singularValues();
  const bool singular = sv.size() == 0 || !sv.allFinite() ||
                        sv(sv.size() - 1) <= std::sqrt(std::numeric_limits<double>::epsilon()) * sv(0);
  reason_ = singular ? GeneStatus::singular : GeneStatus::stalled;
  return Eigen::VectorXd::Zero(n);
}

}  // namespace flashmm::detail
