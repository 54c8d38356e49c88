// The batched spectral fit's host side (lmm/batched_spectral.hpp).
#include <flashmm/detail/spectral_score.hpp>
#include <flashmm/error.hpp>

#include "fit/batched_spectral.hpp"
#include "fit/ginv.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <limits>

namespace flashmm::detail {

namespace {
// The result's arrays in the layout store_spectral_fit / load_spectral_fit use.
SpectralFitArrays arrays_of(SpectralBatchResult& r) {
  return {r.theta.data(), r.dl.data(), r.F.data(), r.logdet.data(), r.niter.data(), r.finite.data()};
}
}  // namespace

void SpectralBatchResult::resize(Index genes) {
  const auto G = static_cast<std::size_t>(genes);
  theta.assign(2 * G, std::nan(""));
  dl.assign(2 * G, std::nan(""));
  F.assign(4 * G, std::nan(""));
  logdet.assign(G, std::nan(""));
  niter.assign(G, 0);
  finite.assign(G, 0);
}

LmmFit fit_spectral_batched(const SummaryStats& stats, const LmmOptions& options, const SpectralScorer& scorer) {
  const Prepared pre = prepare(stats, options);
  if (pre.k != 1)
    throw InputError("the spectral fit path needs exactly one random component (the model has " +
                     std::to_string(pre.k) + ")");
  LmmFit fit = allocate_fit(pre, options);
  const SpectralPath path(pre, options, /*project=*/false);
  const Index G = pre.genes;
  if (pre.q > std::numeric_limits<int>::max()) throw InputError("too many random-effect columns");

  SpectralBatchInput in;
  in.U = &path.zrz_eigenvectors();
  in.l = &path.zrz_eigenvalues();
  in.e = &path.score_eigenvalues();
  in.zry = &pre.zry;
  in.yry = &pre.yry;
  in.genes = G;
  in.q = static_cast<int>(pre.q);
  in.n_eff = static_cast<double>(pre.n - pre.pres - pre.q);
  in.n_minus_pres = static_cast<double>(pre.n - pre.pres);
  in.max_iter = options.max_iter;
  in.epsilon = options.epsilon;
  in.ginv_tol = kGinvTolerance;
  in.s_start.assign(static_cast<std::size_t>(2 * G), 0.0);
  in.fit.assign(static_cast<std::size_t>(G), 0);
  Index fitted = 0;
  for (Index g = 0; g < G; ++g) {
    if (!(stats.Ynorm(g) > 0)) continue;
    ++fitted;
    in.fit[static_cast<std::size_t>(g)] = 1;
    const Eigen::VectorXd s = start_theta(pre, options, g);
    in.s_start[static_cast<std::size_t>(2 * g)] = s(0);
    in.s_start[static_cast<std::size_t>(2 * g + 1)] = s(1);
  }

  SpectralBatchResult out;
  out.resize(G);
  if (fitted > 0) scorer(in, out);

  const SpectralFitArrays results = arrays_of(out);
  parallel_for_blocks(G, options.threads, 16, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      if (!in.fit[static_cast<std::size_t>(g)]) continue;
      const SpectralFit f = load_spectral_fit(g, results);
      path.finish_gene(g, spectral_estimate(f.s, f.score.dl, f.score.F, f.score.logdet_m0, f.niter, f.finite), fit);
    }
  });
  add_fit_warnings(fit, options);
  return fit;
}

void score_spectral_batch_cpu(const SpectralBatchInput& in, SpectralBatchResult& out, int threads) {
  const Eigen::MatrixXd wt = in.zry->transpose() * *in.U;  // G x q, column-major: stride G per gene
  const Index G = in.genes;
  const SpectralFitArrays results = arrays_of(out);
  parallel_for_blocks(G, threads, 64, [&](Index g0, Index g1) {
    for (Index g = g0; g < g1; ++g) {
      const auto gs = static_cast<std::size_t>(g);
      if (!in.fit[gs]) continue;
      const SpectralFit f = spectral_fit(wt.data() + g, G, in.l->data(), in.e->data(), in.q, (*in.yry)(g), in.n_eff,
                                         in.n_minus_pres, in.s_start[2 * gs], in.s_start[2 * gs + 1], in.max_iter,
                                         in.epsilon, in.ginv_tol);
      store_spectral_fit(f, g, results);
    }
  });
}

}  // namespace flashmm::detail
