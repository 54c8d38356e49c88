#pragma once
// Internal: the per-gene arithmetic of one form of the model, behind one interface: the spectral
// form for one random component (ALGORITHM.md section 6, O(q) per iteration), the structured form
// for several components with one large (docs/structured_path.md, O(q1 q_small^2 + q_small^3))
// and the general form for any number of components (section 3, O(q^3)). A path is built once per fit from the
// prepared design-side quantities and is then read-only: every method is thread-safe.
//
// FLASHMM's plain Fisher scoring is not here: it is the scorers' job (fit/scorer.hpp), which run
// it for all genes in lockstep on the CPU or the GPU. The path does what follows on the host.
#include "fit/prepared.hpp"

#include <vector>

namespace flashmm::detail {

/// One random component's G_i = X'V^-1 Z_i Z_i' V^-1 X (p x p) for the Satterthwaite df, held as
/// G_i itself or, when the component has at most p columns, as a root R (d_i x p, G_i = R'R),
/// which applies to a contrast in d_i p instead of p^2 operations.
struct InformationDerivative {
  Eigen::MatrixXd m;
  bool root = false;
  Eigen::MatrixXd gram() const { return root ? Eigen::MatrixXd(m.transpose() * m) : m; }
};

/// G = scale^2 rows' rows (rows: d x p) in the cheaper of the two forms.
inline InformationDerivative information_derivative_of(const Eigen::MatrixXd& rows, double scale) {
  InformationDerivative out;
  if (rows.rows() <= rows.cols()) {
    out.root = true;
    out.m = scale * rows;
  } else {
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(rows.cols(), rows.cols());
    g.selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose(), scale * scale);
    out.m = g.selfadjointView<Eigen::Lower>();
  }
  return out;
}

class GenePath {
 public:
  virtual ~GenePath() = default;

  /// log-likelihood (ML) or restricted log-likelihood (REML) of gene g at theta (k+1 values);
  /// -infinity outside the valid region (s0 > 0, V positive definite).
  virtual double loglik(Index g, const Eigen::VectorXd& theta) const = 0;

  /// Observed information of gene g at theta: the Hessian of -loglik, (k+1) x (k+1).
  virtual Eigen::MatrixXd observed_information(Index g, const Eigen::VectorXd& theta) const = 0;

  /// The safeguarded optimizer (LmmOptions::robust / nonnegative) on gene g from its start,
  /// ending, as plain scoring does, with the residual variance re-estimated where that keeps
  /// theta valid without lowering the likelihood.
  virtual VarianceEstimate fit_safeguarded(Index g, const LmmOptions& options) const = 0;

  /// The fixed-effects step at gene g's variance estimate (W, b, cov, se, t, p, FIM of beta,
  /// logLik, status: store_gene) and the BLUP of the random effects, into column g of fit.
  virtual void fixed_effects(Index g, const VarianceEstimate& ve, const LmmOptions& options, LmmFit& fit) const = 0;

  /// For the Satterthwaite df: the k matrices G_i = X'V^-1 Z_i Z_i' V^-1 X (p x p each) at theta,
  /// that is -d(X'V^-1X)/ds_i, so that d(c' cov c)/ds_i = c' cov G_i cov c (ALGORITHM.md
  /// section 7). They depend on theta only, not on the gene's data.
  virtual std::vector<InformationDerivative> information_derivatives(const Eigen::VectorXd& theta) const = 0;
};

}  // namespace flashmm::detail
