#pragma once
// The LMM fit from summary statistics (ALGORITHM.md sections 3 and 6): Fisher scoring for the
// variance components, then the fixed-effects step, per gene.
#include <flashmm/device.hpp>
#include <flashmm/summary_stats.hpp>
#include <flashmm/progress.hpp>
#include <flashmm/types.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flashmm {

namespace detail {
class FitContext;
}  // namespace detail

enum class Method { reml, ml };

/// Which per-gene arithmetic to use; all give the same numbers to rounding (1e-10 relative).
/// spectral: one random component, O(q) per iteration (ALGORITHM.md section 6). structured:
/// several components, the largest (d_1 columns) eigendecomposed and the others (q_small
/// columns) through a Schur complement, O(d_1 q_small^2 + q_small^3) per iteration
/// (docs/structured_path.md). general: any model, dense, O(q^3). automatic: spectral for one
/// component; structured for several when it needs fewer operations than dense
/// (4 d_1 q_small^2 + 6 q_small^3 < 4 q^3, true for every split with q_small <= d_1, so in
/// practice always); general otherwise.
enum class FitPath { automatic, general, spectral, structured };

/// Degrees of freedom of the t tests: n - p (FLASHMM) or Satterthwaite's (lmerTest's), see
/// satterthwaite.hpp.
enum class DfMethod { residual, satterthwaite };

/// Per-gene outcome. Only `converged` and `converged_nonnegative` genes are good fits.
enum class GeneStatus : std::uint8_t {
  converged,      ///< max|dlogL| < epsilon
  max_iter,       ///< stopped at max_iter with max|dlogL| >= epsilon
  non_finite,     ///< a non-finite value arose (e.g. diverging variance components)
  all_zero,       ///< Ynorm <= 0: the gene has no nonzero value; not fitted, results NA
  filtered,       ///< left out by LmmOptions::skip_genes (e.g. expressed in too few cells); results NA
  /// The re-estimated residual variance s0 is not positive (typically p + q close to n): no
  /// valid model, whatever the score says.
  nonpositive_residual,
  // The three below are only reported by the safeguarded optimizer (LmmOptions::robust).
  singular,       ///< no step improves the likelihood and the information matrix is singular there
  stalled,        ///< no step improves the likelihood (rounding level) although max|dlogL| >= epsilon
  /// A good fit, at lme4's boundary: robust without nonnegative found no maximum with
  /// unconstrained variance components (typically the likelihood rises toward where V becomes
  /// singular, a negative component cancelling the others, and has no maximum there), so the gene
  /// was fitted with variance components >= 0 and converged.
  converged_nonnegative,
};

/// Every GeneStatus, in declaration order.
inline constexpr GeneStatus kGeneStatuses[] = {
    GeneStatus::converged, GeneStatus::max_iter, GeneStatus::non_finite,           GeneStatus::all_zero,
    GeneStatus::filtered,  GeneStatus::nonpositive_residual, GeneStatus::singular, GeneStatus::stalled,
    GeneStatus::converged_nonnegative};

const char* to_string(GeneStatus status);
const char* to_string(Method method);
const char* to_string(DfMethod df);

struct LmmOptions {
  Method method = Method::reml;
  int max_iter = 50;          ///< FLASHMM's default
  double epsilon = 1e-5;      ///< convergence: max|dlogL| < epsilon
  std::vector<double> theta0; ///< k+1 starting values (s_1..s_k, s0); empty: (0,..,0, yry/(n-p))
  int threads = 0;            ///< 0: all hardware threads
  FitPath path = FitPath::automatic;
  /// Degrees of freedom of fit.df and fit.p: residual = n - p for every coefficient (FLASHMM);
  /// satterthwaite = lmerTest's Satterthwaite df per coefficient and gene (NaN where a gene did
  /// not converge).
  DfMethod df = DfMethod::residual;
  /// Safeguarded variance-component optimizer, for genes where FLASHMM's plain scoring does not
  /// converge (elsewhere its result is kept bit for bit): a Fisher-scoring step that lowers the
  /// (restricted) log-likelihood or leaves the valid region (s0 > 0, V positive definite) is
  /// halved; when scoring stalls a Newton step on the observed information is tried. A gene
  /// that still does not converge is fitted with variance components >= 0 (status
  /// converged_nonnegative when that converges). Genes end converged or flagged (max_iter,
  /// singular, stalled, non_finite). false: FLASHMM's plain Fisher scoring, exactly.
  bool robust = false;
  /// Keep the variance components s_1..s_k >= 0 (lme4's boundary) instead of FLASHMM's
  /// unconstrained estimates; a component held at 0 whose score points below 0 counts as
  /// converged. Implies the safeguarded optimizer (robust).
  bool nonnegative = false;
  /// Where to fit: cpu (the default), gpu, or automatic (the GPU when usable, else the CPU with
  /// the reason in LmmFit::notes). Every option is honoured on every device: the GPU runs
  /// FLASHMM's scoring for all genes in lockstep, the safeguarded optimizer for one random
  /// component, the fixed-effects step and Satterthwaite's df for one component; with several
  /// components the safeguarded optimizer (of the genes where plain scoring failed) and
  /// Satterthwaite's df run on the host, with a note. A model the GPU does not take (more than 8
  /// components, q > 46340, more memory than the device has) is fitted on the CPU, with a note.
  Device device = Device::cpu;
  /// Genes not to fit: empty, or one entry per gene, nonzero = leave the gene out (status
  /// filtered, results NA; left out of every FDR).
  std::vector<std::uint8_t> skip_genes;
  /// Whether to keep the Fisher information of the fixed effects (LmmFit::fim_beta, p^2 per
  /// gene: as large as cov, and cov's inverse). false leaves fim_beta empty (0 x 0), which saves
  /// that memory and the time to fill it; the CLI keeps it only for --fim-beta.
  bool fim_beta = true;
  /// Progress of the fit (ProgressStage::fitting, genes fitted so far, genes) and of the
  /// Satterthwaite df (ProgressStage::df, at its start and end), for progress displays; see
  /// flashmm/progress.hpp. May be empty.
  ProgressCallback progress;
};

/// Results of fitting every gene. Per-gene arrays have one column per gene. Matrices stored
/// per gene (cov, FIM) are flattened column-major into a column: entry (r, c) of gene g's p x p
/// matrix is at (r + c * p, g). Genes that were not fitted (all_zero) hold NaN.
struct LmmFit {
  Method method = Method::reml;
  std::int64_t n = 0;
  std::vector<int> d;
  std::vector<std::string> fixed_names;      ///< p
  std::vector<std::string> component_names;  ///< k
  std::vector<std::string> random_names;     ///< q
  std::vector<std::string> gene_names;       ///< G
  double epsilon = 0;
  int max_iter = 0;

  Eigen::MatrixXd coef;       ///< p x G
  Eigen::MatrixXd se;         ///< p x G
  Eigen::MatrixXd t;          ///< p x G
  Eigen::MatrixXd p;          ///< p x G, two-sided p-values with df
  Eigen::MatrixXd df;         ///< p x G, degrees of freedom of each coefficient's test (df_method)
  DfMethod df_method = DfMethod::residual;
  Eigen::MatrixXd cov;        ///< (p*p) x G
  Eigen::MatrixXd theta;      ///< (k+1) x G: s_1..s_k, then the residual variance s0
  Eigen::MatrixXd se_theta;   ///< (k+1) x G
  Eigen::MatrixXd dlogL;      ///< (k+1) x G, score at the final estimate
  Eigen::MatrixXd fim_theta;  ///< ((k+1)^2) x G, Fisher information of theta
  Eigen::MatrixXd fim_beta;   ///< (p*p) x G, Fisher information of the fixed effects; 0 x 0 without LmmOptions::fim_beta
  Eigen::MatrixXd blup;       ///< q x G, BLUP of the random effects
  Eigen::VectorXd logLik;     ///< G: log-likelihood (ML) or restricted log-likelihood (REML)
  std::vector<int> niter;     ///< G
  std::vector<GeneStatus> status;  ///< G

  /// Human-readable warnings (non-converged genes, skipped genes), for the caller to show.
  std::vector<std::string> warnings;
  /// Human-readable notes that are not problems (which device ran and why), for the caller.
  std::vector<std::string> notes;

  /// The design-side quantities the fit was computed from (the summary statistics, prepared
  /// once; ALGORITHM.md section 3), kept for inference on the fit: Satterthwaite df of new
  /// contrasts (satterthwaite.hpp, de_table.hpp). Null for a fit that has none (read from a file
  /// written without its statistics).
  std::shared_ptr<const detail::FitContext> context;

  Index n_fixed() const { return coef.rows(); }
  Index n_genes() const { return coef.cols(); }
  int k() const { return static_cast<int>(d.size()); }
  /// A good fit: status converged or converged_nonnegative.
  bool converged(Index gene) const {
    const GeneStatus s = status[static_cast<std::size_t>(gene)];
    return s == GeneStatus::converged || s == GeneStatus::converged_nonnegative;
  }
  /// Gene g's p x p covariance of the coefficients.
  Eigen::Map<const Eigen::MatrixXd> cov_of(Index gene) const {
    return {cov.col(gene).data(), n_fixed(), n_fixed()};
  }
};

/// Fits every gene: the design-side quantities are prepared once, FLASHMM's Fisher scoring runs
/// for all genes in lockstep on the device options.device selects, then (on the host) the
/// safeguarded optimizer for the genes that need it (robust, nonnegative), the fixed-effects
/// step and the Satterthwaite df (options.df). The statistics are kept in LmmFit::context (the
/// rvalue overload moves them there instead of copying).
/// Throws InputError for bad input (X not of full column rank, naming the columns involved;
/// a random component that is not identifiable; dimensions; non-finite statistics; q or p not
/// smaller than n; options out of range), DeviceError when device = gpu and none is usable.
LmmFit fit_lmm(const SummaryStats& stats, const LmmOptions& options = {});
LmmFit fit_lmm(SummaryStats&& stats, const LmmOptions& options = {});

}  // namespace flashmm
