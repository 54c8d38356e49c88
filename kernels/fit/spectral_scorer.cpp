// The CUDA scorer of the fit pipeline (host/fit/scorer.hpp): one random component, spectral path.
// The projection of every gene on the eigenvectors of zrz is one cuBLAS GEMM; the Fisher-scoring
// iterations run one gene per device thread through detail::score_spectral_gene, the very
// function the CPU scorer runs. The rest of the pipeline (the safeguarded optimizer, the
// fixed-effects step, the df) runs on the host, the same code for every scorer.
#include <flashmm/backend.hpp>
#include <flashmm/detail/spectral_batch.hpp>
#include <flashmm/error.hpp>

#include "common/resources.hpp"
#include "fit/ginv.hpp"
#include "fit/batched_general.hpp"
#include "fit/cuda_batched_ops.hpp"
#include "fit/gpu_scorer.hpp"
#include "fit/scorer.hpp"
#include "fit/spectral_fit_kernels.hpp"
#include "fit/spectral_path.hpp"

#include <limits>

namespace flashmm::detail {

namespace {

class GpuSpectralScorer final : public Scorer {
 public:
  void score(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in, const ScoringArrays& out,
             ProgressReport& progress) override {
    const SpectralPath* sp = ctx.spectral();
    if (sp == nullptr) throw InputError("the GPU scorer covers the spectral path of one random component only");
    const Prepared& pre = ctx.prepared();
    const Index G = pre.genes, q = pre.q;
    if (G > std::numeric_limits<int>::max() || q > std::numeric_limits<int>::max())
      throw InputError("the GPU fit takes fewer than 2^31 genes and random-effect columns per call");
    cuda::Resources res(0, 1);
    const cudaStream_t stream = res.stream(0);
    const auto Gs = static_cast<std::size_t>(G), qs = static_cast<std::size_t>(q);

    // Device workspace, one allocation; every array is device memory, column-major.
    struct Arrays {
      double *U, *zry, *w, *l, *e, *yry, *s_start, *theta, *dl, *F, *logdet;
      int* niter;
      unsigned char *active, *finite;
    } d{};
    auto carve = [&](cuda::Carver& c) {
      d.U = c.take<double>(qs * qs);       // q x q eigenvectors of zrz
      d.zry = c.take<double>(qs * Gs);     // q x G
      d.w = c.take<double>(Gs * qs);       // G x q: w' = zry' U
      d.l = c.take<double>(qs);
      d.e = c.take<double>(qs);
      d.yry = c.take<double>(Gs);
      d.s_start = c.take<double>(2 * Gs);  // 2 x G
      d.theta = c.take<double>(2 * Gs);    // 2 x G
      d.dl = c.take<double>(2 * Gs);       // 2 x G
      d.F = c.take<double>(4 * Gs);        // 4 x G
      d.logdet = c.take<double>(Gs);
      d.niter = c.take<int>(Gs);
      d.active = c.take<unsigned char>(Gs);
      d.finite = c.take<unsigned char>(Gs);
    };
    cuda::Carver counter;
    carve(counter);
    cuda::DeviceBuffer workspace(counter.used(), "the GPU fit's workspace (" + std::to_string(G) + " genes, q = " +
                                                     std::to_string(q) + ")");
    cuda::Carver carver(workspace.data(), workspace.bytes());
    carve(carver);

    auto h2d = [&](void* dst, const void* src, std::size_t bytes) {
      FLASHMM_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream));
    };
    h2d(d.U, sp->basis().U.data(), qs * qs * sizeof(double));
    h2d(d.zry, pre.zry.data(), qs * Gs * sizeof(double));
    h2d(d.l, sp->basis().l.data(), qs * sizeof(double));
    h2d(d.e, sp->score_eigenvalues().data(), qs * sizeof(double));
    h2d(d.yry, pre.yry.data(), Gs * sizeof(double));
    h2d(d.s_start, in.s_start, 2 * Gs * sizeof(double));
    h2d(d.active, in.active, Gs);
    // The outputs start as the host's, so that the genes the kernel leaves alone (inactive)
    // come back unchanged.
    const struct {
      void* device;
      void* host;
      std::size_t bytes;
    } outputs[] = {{d.theta, out.theta, 2 * Gs * sizeof(double)}, {d.dl, out.dl, 2 * Gs * sizeof(double)},
                   {d.F, out.F, 4 * Gs * sizeof(double)},         {d.logdet, out.logdet, Gs * sizeof(double)},
                   {d.niter, out.niter, Gs * sizeof(int)},        {d.finite, out.finite, Gs}};
    for (const auto& o : outputs) h2d(o.device, o.host, o.bytes);

    // w' (G x q) = zry' (G x q) U (q x q): every gene projected in one GEMM.
    const double one = 1.0, zero = 0.0;
    const int Gi = static_cast<int>(G), qi = static_cast<int>(q);
    cublasHandle_t blas = res.cublas();
    FLASHMM_CUDA(cublasSetStream(blas, stream));
    FLASHMM_CUDA(cublasDgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, Gi, qi, qi, &one, d.zry, qi, d.U, qi, &zero, d.w, Gi));

    SpectralBatch b;
    b.w = d.w;
    b.w_gene_stride = 1;
    b.w_entry_stride = G;
    b.l = d.l;
    b.e = d.e;
    b.yry = d.yry;
    b.s_start = d.s_start;
    b.active = d.active;
    b.genes = G;
    b.q = qi;
    b.n_eff = static_cast<double>(pre.n - pre.pres - pre.q);
    b.n_minus_pres = static_cast<double>(pre.n - pre.pres);
    b.max_iter = options.max_iter;
    b.epsilon = options.epsilon;
    b.ginv_tol = kGinvTolerance;
    b.out = {d.theta, d.dl, d.F, d.logdet, d.niter, d.finite, 2};
    cuda::launch_spectral_fit(b, stream);

    for (const auto& o : outputs)
      FLASHMM_CUDA(cudaMemcpyAsync(o.host, o.device, o.bytes, cudaMemcpyDeviceToHost, stream));
    FLASHMM_CUDA(cudaStreamSynchronize(stream));
    progress.add(G);
  }
};

}  // namespace

}  // namespace flashmm::detail

namespace flashmm::cuda {

std::unique_ptr<detail::Scorer> make_scorer() {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU fit needs a usable CUDA device: " + why);
  return detail::make_batched_scorer([] { return make_cuda_batched_ops(); },
                                     std::make_unique<detail::GpuSpectralScorer>());
}

}  // namespace flashmm::cuda
