// Loading the CUDA backend plugin (util/cuda_plugin.hpp) and asking the driver, before that,
// whether there is a device at all.
#include "util/cuda_plugin.hpp"

#if defined(FLASHMM_WITH_CUDA)

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace flashmm::detail {

namespace {

std::string dl_error() {
  const char* e = dlerror();
  return e ? std::string(e) : std::string("unknown error");
}

struct Loaded {
  const CudaPlugin* table = nullptr;
  std::string why;
};

// Where libflashmm.so itself lies: the plugin is installed (and built) beside it.
std::filesystem::path own_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&cuda_plugin), &info) == 0 || info.dli_fname == nullptr) return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

Loaded load() {
  Loaded out;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("FLASHMM_CUDA_PLUGIN"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  } else {
    const std::filesystem::path dir = own_directory();
    if (!dir.empty()) candidates.push_back((dir / "libflashmm_cuda.so").string());
    candidates.emplace_back("libflashmm_cuda.so");
  }
  std::string tried;
  for (const std::string& path : candidates) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      tried += (tried.empty() ? "" : "; ") + dl_error();
      continue;
    }
    using Entry = const CudaPlugin* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "flashmm_cuda_plugin_table"));
    if (entry == nullptr) {
      tried += (tried.empty() ? "" : "; ") + path + " has no entry point flashmm_cuda_plugin_table";
      continue;
    }
    const CudaPlugin* table = entry();
    if (table == nullptr || table->abi != kCudaPluginAbi) {
      tried += (tried.empty() ? "" : "; ") + path + " is a plugin of another flashmm version (interface " +
               std::to_string(table ? table->abi : -1) + ", expected " + std::to_string(kCudaPluginAbi) + ")";
      continue;
    }
    out.table = table;  // the handle stays open for the life of the process
    return out;
  }
  out.why = "the CUDA backend plugin libflashmm_cuda.so could not be loaded (" + tried +
            "); set FLASHMM_CUDA_PLUGIN to its path, or use the CPU (--device cpu)";
  return out;
}

}  // namespace

const CudaPlugin* cuda_plugin(std::string* why_not) {
  static const Loaded loaded = load();  // thread-safe, once per process
  if (loaded.table == nullptr && why_not != nullptr) *why_not = loaded.why;
  return loaded.table;
}

}  // namespace flashmm::detail

#else

namespace flashmm::detail {

const CudaPlugin* cuda_plugin(std::string* why_not) {
  if (why_not != nullptr) *why_not = "flashmm was built without CUDA (no nvcc at configure time, or FLASHMM_CUDA=OFF)";
  return nullptr;
}

}  // namespace flashmm::detail

#endif
