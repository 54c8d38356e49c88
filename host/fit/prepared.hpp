#pragma once
// Internal: the design-side quantities of the fit, computed once for all genes
// (ALGORITHM.md section 3, "shared by all genes"), and the per-gene result writer.
#include <flashmm/lmm.hpp>

#include <vector>

namespace flashmm::detail {

struct Prepared {
  const SummaryStats* stats = nullptr;
  Method method = Method::reml;
  Index n = 0, p = 0, q = 0, genes = 0;
  int k = 0;
  int pres = 0;                 ///< p for REML, 0 for ML
  int threads = 0;              ///< for the products over all genes (LmmOptions::threads)
  std::vector<int> component;   ///< q: component index of each column of Z

  Eigen::MatrixXd XXinv;        ///< p x p
  Eigen::MatrixXd zrz;          ///< q x q: ZZ - ZX XXinv ZX'
  Eigen::MatrixXd zry;          ///< q x G: ZY - ZX XXinv XY
  Eigen::VectorXd yry;          ///< G: Ynorm - colSums(XY .* XXinv XY)
};

/// Checks the input and computes the shared quantities. Throws InputError (rank, shapes, n).
Prepared prepare(const SummaryStats& stats, const LmmOptions& options);

/// The variance ratios r = s_i / s0 of theta (k+1 values), expanded to the q columns of Z.
inline Eigen::VectorXd variance_ratios(const Prepared& pre, const Eigen::VectorXd& theta) {
  Eigen::VectorXd r(pre.q);
  for (Index a = 0; a < pre.q; ++a) r(a) = theta(pre.component[static_cast<std::size_t>(a)]) / theta(pre.k);
  return r;
}

/// Whether m has no nonzero entry off its diagonal (ZZ's blocks of one-hot indicators: their
/// eigenvectors are the identity and need not be formed).
inline bool is_diagonal(const Eigen::MatrixXd& m) {
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      if (i != j && m(i, j) != 0.0) return false;
  return true;
}

/// Starting values of gene g: options.theta0, or (0, .., 0, yry / (n - p)).
Eigen::VectorXd start_theta(const Prepared& pre, const LmmOptions& options, Index g);

/// Whether the safeguarded optimizer runs (LmmOptions::robust, implied by nonnegative).
inline bool uses_step_control(const LmmOptions& options) { return options.robust || options.nonnegative; }

/// Variance-component estimate of one gene, before the fixed-effects step.
struct VarianceEstimate {
  Eigen::VectorXd theta;   ///< k+1
  Eigen::VectorXd dl;      ///< k+1, score at theta
  Eigen::MatrixXd F;       ///< (k+1) x (k+1), Fisher information at theta
  double logdet_m0 = 0;    ///< log|det M0| at theta
  int niter = 0;
  bool finite = true;
  bool fallback = false;   ///< robust's second pass with s_1..s_k >= 0 (fit_safeguarded)
  GeneStatus stop_reason = GeneStatus::max_iter;  ///< the status when it did not converge
};

/// Fixed-effects step inputs of one gene at the final theta: W = XX - ZX' Mb ZX,
/// xvy = XY_j - ZX' Mb ZY_j.
struct FixedEffectsInput {
  Eigen::MatrixXd W;    ///< p x p
  Eigen::VectorXd xvy;  ///< p
};

/// Writes gene g's outputs: se_theta, logLik, status, coef, cov, se, t, p, FIM_beta. The BLUP
/// is written by the path, which knows Mb.
void store_gene(const Prepared& pre, const LmmOptions& options, Index g, const VarianceEstimate& ve,
                const FixedEffectsInput& fe, LmmFit& fit, Eigen::VectorXd& b_out);

/// store_gene's last two parts, for a fixed-effects step that ran elsewhere (the GPU): the
/// residual df n - p and the two-sided p-values of gene g's t statistics (fit.t; NaN with
/// options.df = satterthwaite, whose p-values follow the df) ...
void store_t_tests(const Prepared& pre, const LmmOptions& options, Index g, LmmFit& fit);
/// ... and the gene's status from its estimate and whether its coefficients are finite.
GeneStatus gene_status(const LmmOptions& options, const VarianceEstimate& ve, bool coef_finite);

}  // namespace flashmm::detail
