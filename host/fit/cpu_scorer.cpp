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
      SpectralBatch b = sp->batch(options, in.s_start, in.active, out);
      b.w = sp->w().data();  // q x G
      b.w_gene_stride = pre.q;
      b.w_entry_stride = 1;
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
