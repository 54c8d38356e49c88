// The CPU scorer (fit/scorer.hpp).
#include <flashmm/detail/spectral_batch.hpp>
#include <flashmm/detail/structured_batch.hpp>

#include "fit/general_path.hpp"
#include "fit/ginv.hpp"
#include "fit/scorer.hpp"
#include "fit/spectral_path.hpp"
#include "fit/structured_path.hpp"
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
    if (const StructuredPath* sp = ctx.structured()) {
      const Eigen::MatrixXd& w = sp->w();  // q x G
      StructuredBatch b;
      b.model = sp->model();
      b.w = w.data();
      b.w_gene_stride = pre.q;
      b.w_entry_stride = 1;
      b.yry = pre.yry.data();
      b.s_start = in.s_start;
      b.active = in.active;
      b.genes = G;
      b.max_iter = options.max_iter;
      b.epsilon = options.epsilon;
      b.ginv_tol = kGinvTolerance;
      b.out = out;
      parallel_for_blocks(G, options.threads, 16, [&](Index g0, Index g1) {
        // One scratch per block of genes, reused gene after gene.
        std::vector<double> scratch(static_cast<std::size_t>(structured_gene_doubles(b)));
        std::vector<int> iscratch(static_cast<std::size_t>(structured_gene_ints(b)));
        for (Index g = g0; g < g1; ++g) score_structured_gene(b, g, scratch.data(), iscratch.data());
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
