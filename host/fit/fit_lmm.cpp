// fit_lmm: the one fit pipeline (fit/pipeline.hpp).
#include <flashmm/error.hpp>
#include <flashmm/hypothesis_tests.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/satterthwaite.hpp>

#include "fit/pipeline.hpp"
#include "fit/step_control.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <sstream>

namespace flashmm {

const char* to_string(GeneStatus status) {
  switch (status) {
    case GeneStatus::converged: return "converged";
    case GeneStatus::max_iter: return "max_iter";
    case GeneStatus::non_finite: return "non_finite";
    case GeneStatus::all_zero: return "all_zero";
    case GeneStatus::filtered: return "filtered";
    case GeneStatus::nonpositive_residual: return "nonpositive_residual";
    case GeneStatus::singular: return "singular";
    case GeneStatus::stalled: return "stalled";
    case GeneStatus::converged_nonnegative: return "converged_nonnegative";
  }
  return "unknown";
}

const char* to_string(Method method) { return method == Method::reml ? "REML" : "ML"; }

const char* to_string(DfMethod df) { return df == DfMethod::residual ? "residual" : "satterthwaite"; }

namespace detail {

namespace {

LmmFit allocate_fit(const FitContext& ctx, const LmmOptions& options) {
  const SummaryStats& st = ctx.stats();
  const Prepared& pre = ctx.prepared();
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
  // The per-gene arrays of the fixed-effects step (cov and fim_beta: p^2 per gene, most of the
  // fit's memory) are left unwritten here: the scorer's fixed-effects step writes every fitted
  // gene's columns and the host pass NaN for the genes not fitted, so each page is first touched
  // by the thread that fills it, once.
  for (Eigen::MatrixXd* m : {&fit.coef, &fit.se, &fit.t, &fit.p, &fit.df}) m->resize(p, G);
  fit.cov.resize(p * p, G);
  if (options.fim_beta) fit.fim_beta.resize(p * p, G);
  fit.blup.resize(q, G);
  fit.se_theta.resize(k1, G);
  fit.logLik.resize(G);
  // The scorer writes these for the genes it scores and leaves the others as they are.
  fit.theta = fit.dlogL = Eigen::MatrixXd::Constant(k1, G, nan);
  fit.fim_theta = Eigen::MatrixXd::Constant(k1 * k1, G, nan);
  fit.niter.assign(static_cast<std::size_t>(G), 0);
  fit.status.assign(static_cast<std::size_t>(G), GeneStatus::all_zero);
  return fit;
}

}  // namespace

void add_fit_warnings(LmmFit& fit, const LmmOptions& options) {
  Index zero = 0, filtered = 0, not_converged = 0, non_finite = 0, residual = 0, singular = 0, stalled = 0,
        fallback = 0;
  for (GeneStatus s : fit.status) {
    zero += s == GeneStatus::all_zero;
    filtered += s == GeneStatus::filtered;
    not_converged += s == GeneStatus::max_iter;
    non_finite += s == GeneStatus::non_finite;
    residual += s == GeneStatus::nonpositive_residual;
    singular += s == GeneStatus::singular;
    stalled += s == GeneStatus::stalled;
    fallback += s == GeneStatus::converged_nonnegative;
  }
  if (zero > 0)
    fit.warnings.push_back(std::to_string(zero) + " gene(s) have no nonzero value in any cell and were not fitted "
                           "(results NA)");
  if (filtered > 0)
    fit.notes.push_back(std::to_string(filtered) + " gene(s) were left out as asked (status filtered, results NA)");
  if (not_converged > 0) {
    std::ostringstream msg;
    msg << not_converged << " gene(s) did not converge within " << options.max_iter
        << " iterations (max|dlogL| >= " << options.epsilon << "); they are flagged converged=false";
    fit.warnings.push_back(msg.str());
  }
  if (non_finite > 0)
    fit.warnings.push_back(std::to_string(non_finite) + " gene(s) stopped on a non-finite value (diverging "
                           "variance components); they are flagged converged=false");
  if (residual > 0)
    fit.warnings.push_back(std::to_string(residual) + " gene(s) have a residual variance estimate <= 0 (too few "
                           "cells for the number of fixed and random effects, or a perfect fit): no valid model; "
                           "they are flagged converged=false (status nonpositive_residual)");
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

namespace {

// The outputs of a gene that is not fitted (all_zero, filtered): NaN.
void not_fitted(LmmFit& fit, Index g) {
  const double nan = std::nan("");
  for (Eigen::MatrixXd* m : {&fit.coef, &fit.se, &fit.t, &fit.p, &fit.df, &fit.cov, &fit.fim_beta, &fit.blup, &fit.se_theta})
    if (m->cols() > 0) m->col(g).setConstant(nan);
  fit.logLik(g) = nan;
}

// Replaces the n - p df of every coefficient by Satterthwaite's and recomputes the p-values.
void use_satterthwaite(LmmFit& fit, int threads) {
  const Index p = fit.n_fixed();
  fit.df = satterthwaite_df(fit, Eigen::MatrixXd::Identity(p, p), threads);
  fit.df_method = DfMethod::satterthwaite;
  parallel_for_blocks(fit.n_genes(), threads, 64, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g)
      for (Index j = 0; j < p; ++j) fit.p(j, g) = t_test_p(fit.t(j, g), fit.df(j, g), Alternative::two_sided);
  });
}

}  // namespace

LmmFit run_fit(std::shared_ptr<const FitContext> ctx, const LmmOptions& options, Scorer& scorer,
               std::vector<std::string> notes) {
  const Prepared& pre = ctx->prepared();
  const GenePath& path = ctx->path();
  const Index G = pre.genes;
  const int k1 = pre.k + 1;
  if (!options.skip_genes.empty() && static_cast<Index>(options.skip_genes.size()) != G)
    throw InputError("skip_genes has " + std::to_string(options.skip_genes.size()) + " entries but there are " +
                     std::to_string(G) + " genes");
  LmmFit fit = allocate_fit(*ctx, options);
  fit.notes = std::move(notes);

  // Which genes to score, from where.
  std::vector<unsigned char> active(static_cast<std::size_t>(G), 0);
  Eigen::MatrixXd s_start = Eigen::MatrixXd::Zero(k1, G);
  for (Index g = 0; g < G; ++g) {
    const auto gs = static_cast<std::size_t>(g);
    if (!options.skip_genes.empty() && options.skip_genes[gs]) {
      fit.status[gs] = GeneStatus::filtered;
    } else if (pre.stats->Ynorm(g) > 0) {
      active[gs] = 1;
      s_start.col(g) = start_theta(pre, options, g);
    }
  }

  // FLASHMM's plain scoring, straight into the fit's arrays.
  std::vector<double> logdet(static_cast<std::size_t>(G), std::nan("")), loglik(logdet);
  std::vector<unsigned char> finite(static_cast<std::size_t>(G), 0), fallback(finite),
      stop(static_cast<std::size_t>(G), static_cast<unsigned char>(GeneStatus::max_iter));
  const ScoringArrays scored{fit.theta.data(), fit.dlogL.data(), fit.fim_theta.data(), logdet.data(),
                             fit.niter.data(), finite.data(), k1, loglik.data(), stop.data(), fallback.data()};
  ProgressReport progress(options.progress, 2, G);
  const ScoringInput input{active.data(), s_start.data()};
  scorer.score(*ctx, options, input, scored, progress);

  // The host pass: the safeguarded optimizer only where plain scoring failed (elsewhere the
  // result stays FLASHMM's to the last bit) and the scorer did not run it itself; the outputs of
  // the genes not fitted NaN (the fit's arrays are allocated unwritten, so that the thread that
  // fills a gene's columns touches them first).
  const bool safeguard = uses_step_control(options) && !scorer.runs_safeguard(*ctx, options);
  parallel_for_blocks(G, options.threads, pre.k == 1 ? 16 : 1, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      if (!active[static_cast<std::size_t>(g)]) {
        not_fitted(fit, g);
        continue;
      }
      if (!safeguard) continue;
      const VarianceEstimate ve = estimate_of(scored, g);
      // The log-likelihood matters only for a finite, converged gene; the scorer may know it.
      const bool converged = score_criterion(ve.theta, ve.dl, false) < options.epsilon;
      const double known = scored.loglik[g];
      const double ll = !(ve.finite && converged) ? 0.0 : std::isnan(known) ? path.loglik(g, ve.theta) : known;
      if (!plain_scoring_succeeded(options, ve.theta, converged, ve.finite, ll))
        store_estimate(scored, g, path.fit_safeguarded(g, options));
    }
  });
  // The fixed-effects step of every active gene, where the scorer says.
  scorer.fixed_effects(*ctx, options, input, scored, fit, progress);
  if (options.progress) options.progress(ProgressStage::fitting, G, G);

  fit.context = std::move(ctx);
  // Satterthwaite df, unless the scorer's fixed-effects step computed them (the device, one component).
  if (options.df == DfMethod::satterthwaite && fit.df_method != DfMethod::satterthwaite) {
    if (options.progress) options.progress(ProgressStage::df, 0, G);
    use_satterthwaite(fit, options.threads);
    if (options.progress) options.progress(ProgressStage::df, G, G);
  }
  add_fit_warnings(fit, options);
  return fit;
}

}  // namespace detail

LmmFit fit_lmm(SummaryStats&& stats, const LmmOptions& options) {
  auto ctx = std::make_shared<const detail::FitContext>(std::make_shared<const SummaryStats>(std::move(stats)), options);
  std::vector<std::string> notes;
  const std::unique_ptr<detail::Scorer> scorer = detail::choose_scorer(*ctx, options, notes);
  return detail::run_fit(std::move(ctx), options, *scorer, std::move(notes));
}

LmmFit fit_lmm(const SummaryStats& stats, const LmmOptions& options) { return fit_lmm(SummaryStats(stats), options); }

}  // namespace flashmm
