// fit_lmm: prepare once, then fit every gene independently on all cores.
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>

#include "lmm/paths.hpp"
#include "lmm/prepared.hpp"
#include "parallel.hpp"

#include <cmath>
#include <sstream>

namespace flashmm {

const char* to_string(GeneStatus status) {
  switch (status) {
    case GeneStatus::converged: return "converged";
    case GeneStatus::max_iter: return "max_iter";
    case GeneStatus::non_finite: return "non_finite";
    case GeneStatus::all_zero: return "all_zero";
  }
  return "unknown";
}

const char* to_string(Method method) { return method == Method::reml ? "REML" : "ML"; }

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
  Index zero = 0, not_converged = 0, non_finite = 0;
  for (GeneStatus s : fit.status) {
    zero += s == GeneStatus::all_zero;
    not_converged += s == GeneStatus::max_iter;
    non_finite += s == GeneStatus::non_finite;
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
}

}  // namespace detail

LmmFit fit_lmm(const SummaryStats& stats, const LmmOptions& options) {
  if (use_gpu(options.device)) return fit_lmm_gpu(stats, options);
  const detail::Prepared pre = detail::prepare(stats, options);
  LmmFit fit = detail::allocate_fit(pre, options);

  const bool spectral = options.path == FitPath::spectral || (options.path == FitPath::automatic && pre.k == 1);
  if (options.path == FitPath::spectral && pre.k != 1)
    throw InputError("the spectral fit path needs exactly one random component (the model has " +
                     std::to_string(pre.k) + ")");
  if (spectral) {
    const detail::SpectralPath path(pre, options);
    detail::parallel_for_blocks(pre.genes, options.threads, 16, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g)
        if (stats.Ynorm(g) > 0) path.fit_gene(g, fit);
    });
  } else {
    const detail::GeneralPath path(pre, options);
    detail::parallel_for_blocks(pre.genes, options.threads, 1, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g)
        if (stats.Ynorm(g) > 0) path.fit_gene(g, fit);
    });
  }

  detail::add_fit_warnings(fit, options);
  return fit;
}

}  // namespace flashmm
