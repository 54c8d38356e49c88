// fit_lmm: prepare once, then fit every gene independently on all cores.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/hypothesis_tests.hpp>

#include "fit/paths.hpp"
#include "fit/prepared.hpp"
#include "inference/satterthwaite_df.hpp"
#include "util/parallel.hpp"

#include <atomic>
#include <cmath>
#include <mutex>
#include <sstream>

namespace flashmm {

const char* to_string(GeneStatus status) {
  switch (status) {
    case GeneStatus::converged: return "converged";
    case GeneStatus::max_iter: return "max_iter";
    case GeneStatus::non_finite: return "non_finite";
    case GeneStatus::all_zero: return "all_zero";
    case GeneStatus::singular: return "singular";
    case GeneStatus::stalled: return "stalled";
    case GeneStatus::converged_nonnegative: return "converged_nonnegative";
  }
  return "unknown";
}

const char* to_string(Method method) { return method == Method::reml ? "REML" : "ML"; }

const char* to_string(DfMethod df) { return df == DfMethod::residual ? "residual" : "satterthwaite"; }

namespace detail {

LmmFit allocate_fit(const Prepared& pre, const LmmOptions& options) {
  const SummaryStats& st = *pre.stats;
  const Index p = pre.p, q = pre.q, G = pre.genes, k1 = pre.k + 1;
  const double nan = std::nan("");
  LmmFit fit;
  fit.method = options.method;
  fit.n = st.n;
  fit.d = st.d;
  fit.fixed_names = st.fixed_names;
  fit.component_names = st.component_names;
  fit.random_names = st.random_names;
  fit.gene_names = st.gene_names;
  fit.epsilon = options.epsilon;
  fit.max_iter = options.max_iter;
  fit.coef = fit.se = fit.t = fit.p = fit.df = Eigen::MatrixXd::Constant(p, G, nan);
  fit.cov = fit.fim_beta = Eigen::MatrixXd::Constant(p * p, G, nan);
  fit.theta = fit.se_theta = fit.dlogL = Eigen::MatrixXd::Constant(k1, G, nan);
  fit.fim_theta = Eigen::MatrixXd::Constant(k1 * k1, G, nan);
  fit.blup = Eigen::MatrixXd::Constant(q, G, nan);
  fit.logLik = Eigen::VectorXd::Constant(G, nan);
  fit.niter.assign(static_cast<std::size_t>(G), 0);
  fit.status.assign(static_cast<std::size_t>(G), GeneStatus::all_zero);
  return fit;
}

void add_fit_warnings(LmmFit& fit, const LmmOptions& options) {
  Index zero = 0, not_converged = 0, non_finite = 0, singular = 0, stalled = 0, fallback = 0;
  for (GeneStatus s : fit.status) {
    zero += s == GeneStatus::all_zero;
    not_converged += s == GeneStatus::max_iter;
    non_finite += s == GeneStatus::non_finite;
    singular += s == GeneStatus::singular;
    stalled += s == GeneStatus::stalled;
    fallback += s == GeneStatus::converged_nonnegative;
  }
  if (zero > 0)
    fit.warnings.push_back(std::to_string(zero) + " gene(s) have no nonzero value in any cell and were not fitted "
                           "(results NA)");
  if (not_converged > 0) {
    std::ostringstream msg;
    msg << not_converged << " gene(s) did not converge within " << options.max_iter
        << " iterations (max|dlogL| >= " << options.epsilon << "); they are flagged converged=false";
    fit.warnings.push_back(msg.str());
  }
  if (non_finite > 0)
    fit.warnings.push_back(std::to_string(non_finite) + " gene(s) stopped on a non-finite value (diverging "
                           "variance components); they are flagged converged=false");
  if (singular > 0)
    fit.warnings.push_back(std::to_string(singular) + " gene(s) stopped where no step improves the likelihood and the "
                           "information matrix is singular (a variance component is not identifiable); they are "
                           "flagged converged=false");
  if (stalled > 0) {
    std::ostringstream msg;
    msg << stalled << " gene(s) stopped where no step improves the likelihood although max|dlogL| >= "
        << options.epsilon << " (rounding limit; try a larger epsilon); they are flagged converged=false";
    fit.warnings.push_back(msg.str());
  }
  if (fallback > 0)
    fit.warnings.push_back(std::to_string(fallback) + " gene(s) have no maximum of the likelihood that the safeguarded "
                           "optimizer could reach with unconstrained variance components (typically it rises toward "
                           "where V becomes singular); they were fitted with variance components >= 0, as lme4 does, "
                           "and converged (status converged_nonnegative)");
}

}  // namespace detail

namespace {

// Counts fitted genes across threads and reports them without ever calling the callback twice
// at once (a busy report is skipped, not waited for).
class ProgressReport {
 public:
  explicit ProgressReport(const std::function<void(Index)>& callback) : callback_(callback) {}
  void add(Index genes) {
    const Index done = done_.fetch_add(genes) + genes;
    if (!callback_) return;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) callback_(done);
  }

 private:
  const std::function<void(Index)>& callback_;
  std::atomic<Index> done_{0};
  std::mutex mutex_;
};

// Replaces the n - p df of every coefficient by Satterthwaite's and recomputes the p-values.
void use_satterthwaite(const detail::Prepared& pre, const detail::SpectralBasis* basis, const LmmOptions& options,
                       LmmFit& fit) {
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(pre.p, pre.p);
  detail::satterthwaite_into(pre, basis, fit, identity, options.threads, fit.df);
  fit.df_method = DfMethod::satterthwaite;
  detail::parallel_for_blocks(pre.genes, options.threads, 64, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g)
      for (Index j = 0; j < pre.p; ++j) fit.p(j, g) = t_test_p(fit.t(j, g), fit.df(j, g), Alternative::two_sided);
  });
}

}  // namespace

LmmFit fit_lmm(const SummaryStats& stats, const LmmOptions& options) {
  // The GPU runs FLASHMM's plain scoring with residual df; the extensions run on the CPU.
  const bool gpu_capable = options.df == DfMethod::residual && !detail::uses_step_control(options);
  if (gpu_capable && use_gpu(options.device)) return fit_lmm_gpu(stats, options);
  const detail::Prepared pre = detail::prepare(stats, options);
  LmmFit fit = detail::allocate_fit(pre, options);
  ProgressReport progress(options.progress);

  const bool spectral = options.path == FitPath::spectral || (options.path == FitPath::automatic && pre.k == 1);
  if (options.path == FitPath::spectral && pre.k != 1)
    throw InputError("the spectral fit path needs exactly one random component (the model has " +
                     std::to_string(pre.k) + ")");
  if (spectral) {
    const detail::SpectralPath path(pre, options);
    detail::parallel_for_blocks(pre.genes, options.threads, 16, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g)
        if (stats.Ynorm(g) > 0) path.fit_gene(g, fit);
      progress.add(g1 - g0);
    });
    if (options.df == DfMethod::satterthwaite) use_satterthwaite(pre, &path.basis(), options, fit);
  } else {
    const detail::GeneralPath path(pre, options);
    detail::parallel_for_blocks(pre.genes, options.threads, 1, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g)
        if (stats.Ynorm(g) > 0) path.fit_gene(g, fit);
      progress.add(g1 - g0);
    });
    if (options.df == DfMethod::satterthwaite) use_satterthwaite(pre, nullptr, options, fit);
  }
  if (!gpu_capable && options.device == Device::gpu)
    fit.warnings.push_back("the GPU fit runs FLASHMM's plain Fisher scoring with residual df only: fitted on the CPU");

  detail::add_fit_warnings(fit, options);
  return fit;
}

}  // namespace flashmm
