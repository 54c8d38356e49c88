// The CUDA backend is a plugin loaded on first GPU use (host/util/cuda_plugin.hpp): a program
// that fits on the CPU must not map the CUDA runtime or libraries. This runs in its own process
// (ctest: plugin_*), since it inspects its own mappings (/proc/self/maps).
//
//   flashmm_plugin_check cpu    fit with device cpu; exit 1 if a CUDA library got mapped
//   flashmm_plugin_check auto   ask gpu_available(); without a usable GPU, exit 1 if a CUDA
//                               library got mapped (the driver libcuda itself may be)
//   flashmm_plugin_check gpu    print device 0 ("gpu: NAME, compute capability X.Y, N MiB") and
//                               exit 0, or "no CUDA device: WHY" and exit 4
#include <flashmm/backend.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kNoDevice = 4;

// The CUDA runtime and libraries the plugin links, and the plugin itself.
const char* const kCudaLibraries[] = {"libcudart", "libcublas", "libcublasLt", "libcusparse", "libcusolver",
                                      "libflashmm_cuda"};

// Lines of /proc/self/maps naming a CUDA library.
std::vector<std::string> cuda_mappings() {
  std::vector<std::string> found;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    for (const char* lib : kCudaLibraries)
      if (line.find(std::string("/") + lib) != std::string::npos) {
        found.push_back(line);
        break;
      }
  return found;
}

int report(const char* what) {
  const std::vector<std::string> found = cuda_mappings();
  if (found.empty()) {
    std::printf("%s: no CUDA library is mapped\n", what);
    return 0;
  }
  std::printf("%s: CUDA libraries are mapped although the GPU was not used:\n", what);
  for (const auto& line : found) std::printf("  %s\n", line.c_str());
  return 1;
}

flashmm::SummaryStats small_stats() {
  const flashmm::Index n = 400, samples = 8;
  flashmm::RowMatrixXd X(n, 2);
  flashmm::SparseRowMatrix Z(n, samples);
  std::vector<Eigen::Triplet<double, std::int64_t>> z;
  Eigen::MatrixXd y(n, 3);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  for (flashmm::Index i = 0; i < n; ++i) {
    X(i, 0) = 1;
    X(i, 1) = normal(rng);
    z.emplace_back(i, i % samples, 1.0);
    for (flashmm::Index g = 0; g < 3; ++g) y(i, g) = 0.5 * static_cast<double>(i % samples) + normal(rng);
  }
  Z.setFromTriplets(z.begin(), z.end());
  return flashmm::compute_summary_stats(X, Z, y, flashmm::Transform::none);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "cpu") {
    flashmm::LmmOptions opt;
    opt.device = flashmm::Device::cpu;
    const flashmm::LmmFit fit = flashmm::fit_lmm(small_stats(), opt);
    if (!fit.converged(0)) {
      std::printf("cpu: the fit did not converge\n");
      return 1;
    }
    return report("cpu");
  }
  if (mode == "auto") {
    std::string why;
    if (flashmm::gpu_available(&why)) {
      std::printf("auto: a GPU is usable, so the plugin is loaded: nothing to check\n");
      return 0;
    }
    std::printf("auto: no GPU (%s)\n", why.c_str());
    return report("auto");
  }
  if (mode == "gpu") {
    std::string why;
    flashmm::GpuProperties p;
    if (!flashmm::gpu_available(&why) || !flashmm::gpu_properties(&p)) {
      std::printf("no CUDA device: %s\n", why.c_str());
      return kNoDevice;
    }
    std::printf("gpu: %s, compute capability %d.%d, %zu MiB, %d multiprocessors\n", p.name.c_str(), p.major, p.minor,
                p.memory_bytes >> 20, p.multiprocessors);
    return 0;
  }
  std::fprintf(stderr, "usage: flashmm_plugin_check cpu|auto|gpu\n");
  return 2;
}
