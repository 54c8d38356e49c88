// The batched spectral scoring (fit/batched_general.hpp, score_spectral_batched): one random
// component, ALGORITHM.md section 6. Per batch of genes one GEMM projects them on the
// eigenvectors of zrz (w' = zry' U, genes x q, so that neighbouring device threads read
// neighbouring genes), then one thread per gene runs FLASHMM's plain scoring
// (score_spectral_gene) and, under robust or nonnegative, the safeguarded optimizer where that
// failed (safeguard_spectral_gene): the CPU's own functions (flashmm/detail/spectral_batch.hpp).
#include <flashmm/error.hpp>

#include "fit/batched_general.hpp"
#include "fit/ginv.hpp"
#include "fit/spectral_path.hpp"
#include "fit/step_control.hpp"

#include <algorithm>

namespace flashmm::detail {

void score_spectral_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                            const ScoringArrays& out) {
  const SpectralPath& sp = *ctx.spectral();
  const Prepared& pre = ctx.prepared();
  const Index G = pre.genes;
  const auto q = static_cast<std::size_t>(pre.q);
  const int qi = static_cast<int>(pre.q);
  DeviceArrays shared(ops);
  const std::string what = "the spectral fit's shared arrays (q = " + std::to_string(pre.q) + ")";
  const double* U = shared.upload(sp.basis().U.data(), q * q, what);
  const double* l = shared.upload(sp.basis().l.data(), q, what);
  const double* e = shared.upload(sp.score_eigenvalues().data(), q, what);
  const double* g_eig = shared.upload(sp.basis().g.data(), q, what);

  // Per gene: zry and w (q each), yry, s_start, theta, dl (2 each), F (4), logdet, niter, and
  // the byte flags.
  const std::size_t per_gene = (2 * q + 12) * sizeof(double) + sizeof(int) + 4;
  const auto fit = static_cast<Index>(ops.free_bytes() / per_gene);
  const Index batch = std::min<Index>({G, fit, Index{1} << 30});
  if (batch < 1)
    throw DeviceError("out of GPU memory: the spectral fit needs " + std::to_string(per_gene) +
                      " bytes per gene of a batch; use the CPU (--device cpu)");
  DeviceArrays arrays(ops);
  const auto nb = static_cast<std::size_t>(batch);
  const std::string bw = "a batch of " + std::to_string(batch) + " genes of the spectral fit";
  double* zry = arrays.take<double>(q * nb, bw);
  double* w = arrays.take<double>(q * nb, bw);
  double* yry = arrays.take<double>(nb, bw);
  double* s_start = arrays.take<double>(2 * nb, bw);
  unsigned char* active = arrays.take<unsigned char>(nb, bw);
  ScoringArrays d{arrays.take<double>(2 * nb, bw), arrays.take<double>(2 * nb, bw), arrays.take<double>(4 * nb, bw),
                  arrays.take<double>(nb, bw),     arrays.take<int>(nb, bw),        arrays.take<unsigned char>(nb, bw),
                  2,                               nullptr,                         arrays.take<unsigned char>(nb, bw),
                  arrays.take<unsigned char>(nb, bw)};
  const bool safeguard = uses_step_control(options);
  for (Index g0 = 0; g0 < G; g0 += batch) {
    const Index n = std::min(batch, G - g0);
    const auto ns = static_cast<std::size_t>(n);
    ops.upload(zry, pre.zry.col(g0).data(), q * ns * sizeof(double));
    ops.upload(yry, pre.yry.data() + g0, ns * sizeof(double));
    ops.upload(s_start, in.s_start + 2 * g0, 2 * ns * sizeof(double));
    ops.upload(active, in.active + g0, ns);
    // The outputs start as the host's, so that the genes left alone (inactive) come back as they were.
    const struct {
      void* device;
      const void* host;
      std::size_t bytes;
    } outputs[] = {{d.theta, out.theta + 2 * g0, 2 * ns * sizeof(double)},
                   {d.dl, out.dl + 2 * g0, 2 * ns * sizeof(double)},
                   {d.F, out.F + 4 * g0, 4 * ns * sizeof(double)},
                   {d.logdet, out.logdet + g0, ns * sizeof(double)},
                   {d.niter, out.niter + g0, ns * sizeof(int)},
                   {d.finite, out.finite + g0, ns},
                   {d.stop, out.stop + g0, ns},
                   {d.fallback, out.fallback + g0, ns}};
    for (const auto& o : outputs) ops.upload(o.device, o.host, o.bytes);
    const int ni = static_cast<int>(n);
    ops.gemm_strided(Trans::t, Trans::n, ni, qi, qi, 1.0, zry, qi, 0, U, qi, 0, 0.0, w, ni, 0, 1);  // w' = zry' U
    // The host batch's constants, with the device's arrays for this batch of genes.
    SpectralBatch b = sp.batch(options, s_start, active, d);
    b.w = w;
    b.w_gene_stride = 1;
    b.w_entry_stride = n;
    b.l = l;
    b.e = e;
    b.g = g_eig;
    b.yry = yry;
    b.genes = n;
    ops.run(SpectralGenes::Args{b, safeguard});
    for (const auto& o : outputs) ops.download(const_cast<void*>(o.host), o.device, o.bytes);
  }
}

}  // namespace flashmm::detail
