// The CUDA build's gpu_available() and fit_lmm_gpu() (flashmm/backend.hpp).
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "fit/batched_spectral.hpp"
#include "common/resources.hpp"
#include "fit/spectral_fit_kernels.hpp"

#include <cmath>
#include <limits>

namespace flashmm {

namespace {

struct Probe {
  bool ok = false;
  std::string why;
};

Probe probe_device() {
  Probe probe;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "no usable CUDA driver or device: " + cuda::status_text(status);
    return probe;
  }
  if (count < 1) {
    probe.why = "no CUDA device was found";
    return probe;
  }
  cudaDeviceProp properties{};
  if (const cudaError_t s = cudaGetDeviceProperties(&properties, 0); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "cudaGetDeviceProperties failed: " + cuda::status_text(s);
    return probe;
  }
  if (const cudaError_t s = cudaSetDevice(0); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "device 0 (" + std::string(properties.name) + ") cannot be used: " + cuda::status_text(s);
    return probe;
  }
  if (const cudaError_t s = cuda::probe_kernel_image(); s != cudaSuccess) {
    (void)cudaGetLastError();
    probe.why = "device 0 (" + std::string(properties.name) + ", compute capability " +
                std::to_string(properties.major) + "." + std::to_string(properties.minor) +
                ") cannot run flashmm's kernels: " + cuda::status_text(s) +
                "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(properties.major) +
                std::to_string(properties.minor);
    return probe;
  }
  probe.ok = true;
  return probe;
}


// The scorer of the batched spectral fit on the device: one GEMM projects every gene, then one
// thread per gene runs detail::spectral_fit (kernels/spectral_fit_kernels.cu).
void score_on_gpu(const detail::SpectralBatchInput& in, detail::SpectralBatchResult& out) {
  const Index G = in.genes, q = in.q;
  if (G > std::numeric_limits<int>::max())
    throw InputError("the GPU fit takes fewer than 2^31 genes per call");
  cuda::Resources res(0, 1);
  const cudaStream_t stream = res.stream(0);
  const auto Gs = static_cast<std::size_t>(G), qs = static_cast<std::size_t>(q);

  // Device workspace, one allocation; every array is device memory, column-major.
  struct Arrays {
    double *U, *zry, *w, *l, *e, *yry, *s_start, *theta, *dl, *F, *logdet;
    int* niter;
    unsigned char *fit, *finite;
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
    d.fit = c.take<unsigned char>(Gs);
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
  h2d(d.U, in.U->data(), qs * qs * sizeof(double));
  h2d(d.zry, in.zry->data(), qs * Gs * sizeof(double));
  h2d(d.l, in.l->data(), qs * sizeof(double));
  h2d(d.e, in.e->data(), qs * sizeof(double));
  h2d(d.yry, in.yry->data(), Gs * sizeof(double));
  h2d(d.s_start, in.s_start.data(), 2 * Gs * sizeof(double));
  h2d(d.fit, in.fit.data(), Gs);

  // w' (G x q) = zry' (G x q) U (q x q): every gene projected in one GEMM.
  const double one = 1.0, zero = 0.0;
  const int Gi = static_cast<int>(G), qi = in.q;
  cublasHandle_t blas = res.cublas();
  FLASHMM_CUDA(cublasSetStream(blas, stream));
  FLASHMM_CUDA(cublasDgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, Gi, qi, qi, &one, d.zry, qi, d.U, qi, &zero, d.w, Gi));

  cuda::SpectralBatch batch;
  batch.w = d.w;
  batch.l = d.l;
  batch.e = d.e;
  batch.yry = d.yry;
  batch.s_start = d.s_start;
  batch.fit = d.fit;
  batch.genes = G;
  batch.q = qi;
  batch.n_eff = in.n_eff;
  batch.n_minus_pres = in.n_minus_pres;
  batch.max_iter = in.max_iter;
  batch.epsilon = in.epsilon;
  batch.ginv_tol = in.ginv_tol;
  batch.theta = d.theta;
  batch.dl = d.dl;
  batch.F = d.F;
  batch.logdet = d.logdet;
  batch.niter = d.niter;
  batch.finite = d.finite;
  cuda::launch_spectral_fit(batch, stream);

  // Genes that were not fitted come back as the kernel left them (unwritten): the host side
  // reads only the fitted ones.
  auto d2h = [&](void* dst, const void* src, std::size_t bytes) {
    FLASHMM_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
  };
  d2h(out.theta.data(), d.theta, 2 * Gs * sizeof(double));
  d2h(out.dl.data(), d.dl, 2 * Gs * sizeof(double));
  d2h(out.F.data(), d.F, 4 * Gs * sizeof(double));
  d2h(out.logdet.data(), d.logdet, Gs * sizeof(double));
  d2h(out.niter.data(), d.niter, Gs * sizeof(int));
  d2h(out.finite.data(), d.finite, Gs);
  FLASHMM_CUDA(cudaStreamSynchronize(stream));
}

}  // namespace

bool gpu_available(std::string* why_not) {
  static const Probe probe = probe_device();  // thread-safe, once per process
  if (!probe.ok && why_not) *why_not = probe.why;
  return probe.ok;
}

bool gpu_properties(GpuProperties* out) {
  if (!gpu_available()) return false;
  cudaDeviceProp p{};
  FLASHMM_CUDA(cudaGetDeviceProperties(&p, 0));
  int clock_khz = 0, bus_bits = 0;
  FLASHMM_CUDA(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, 0));
  FLASHMM_CUDA(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0));
  if (out) {
    out->name = p.name;
    out->major = p.major;
    out->minor = p.minor;
    out->multiprocessors = p.multiProcessorCount;
    out->memory_bytes = p.totalGlobalMem;
    out->peak_bandwidth = 2.0 * clock_khz * 1e3 * bus_bits / 8.0;  // double data rate
  }
  return true;
}

LmmFit fit_lmm_gpu(const SummaryStats& stats, const LmmOptions& options) {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU fit needs a usable CUDA device: " + why);
  if (stats.k() != 1 || options.path == FitPath::general) {
    LmmOptions cpu = options;
    cpu.device = Device::cpu;
    LmmFit fit = fit_lmm(stats, cpu);
    fit.warnings.push_back(std::string("note: the GPU fit covers one random component on the spectral path; ") +
                           (stats.k() != 1 ? "this model has " + std::to_string(stats.k()) + " components"
                                           : std::string("the general path was asked for")) +
                           ", so it was fitted on the CPU");
    return fit;
  }

  return detail::fit_spectral_batched(stats, options, score_on_gpu);
}

}  // namespace flashmm
