// The plugin's table of entry points (util/cuda_plugin.hpp): the one symbol libflashmm looks up
// after dlopen("libflashmm_cuda.so").
#include "util/cuda_plugin.hpp"

#include "common/device.hpp"
#include "fit/gpu_scorer.hpp"
#include "stats/gpu_stats.hpp"

extern "C" __attribute__((visibility("default"))) const flashmm::detail::CudaPlugin* flashmm_cuda_plugin_table() {
  static const flashmm::detail::CudaPlugin table = [] {
    flashmm::detail::CudaPlugin t;
    t.abi = flashmm::detail::kCudaPluginAbi;
    t.device_usable = &flashmm::cuda::device_usable;
    t.properties = &flashmm::cuda::device_properties;
    t.make_stats = &flashmm::cuda::make_stats_backend;
    t.make_scorer = &flashmm::cuda::make_scorer;
    return t;
  }();
  return &table;
}
