// The CPU scorer (fit/scorer.hpp).
#include <flashmm/detail/spectral_batch.hpp>

#include "fit/general_path.hpp"
#include "fit/ginv.hpp"
#include "fit/scorer.hpp"
#include "fit/spectral_path.hpp"
#include "util/parallel.hpp"

namespace flashmm::detail {

namespace {

class CpuScorer final : public Scorer {
 public:
  void score(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in, const ScoringArrays& out,
             ProgressReport& progress) override {
    const Prepared& pre = ctx.prepared();
    const Index G = pre.genes;
    if (const SpectralPath* sp = ctx.spectral()) {
      const Eigen::MatrixXd& w = sp->w();  // q x G
      SpectralBatch b;
      b.w = w.data();
      b.w_gene_stride = pre.q;
      b.w_entry_stride = 1;
      b.l = sp->basis().l.data();
      b.e = sp->score_eigenvalues().data();
      b.yry = pre.yry.data();
      b.s_start = in.s_start;
      b.active = in.active;
      b.genes = G;
      b.q = static_cast<int>(pre.q);
      b.n_eff = static_cast<double>(pre.n - pre.pres - pre.q);
      b.n_minus_pres = static_cast<double>(pre.n - pre.pres);
      b.max_iter = options.max_iter;
      b.epsilon = options.epsilon;
      b.ginv_tol = kGinvTolerance;
      b.out = out;
      parallel_for_blocks(G, options.threads, 64, [&](Index g0, Index g1) {
        for (Index g = g0; g < g1; ++g) score_spectral_gene(b, g);
        progress.add(g1 - g0);
      });
      return;
    }
    const GeneralPath& path = *ctx.general();
    const int k1 = out.k1;
    parallel_for_blocks(G, options.threads, 1, [&](Index g0, Index g1) {
      for (Index g = g0; g < g1; ++g)
        if (in.active[g]) path.score_plain(g, Eigen::Map<const Eigen::VectorXd>(in.s_start + g * k1, k1), options, out);
      progress.add(g1 - g0);
    });
  }
};

}  // namespace

std::unique_ptr<Scorer> make_cpu_scorer() { return std::make_unique<CpuScorer>(); }

}  // namespace flashmm::detail
