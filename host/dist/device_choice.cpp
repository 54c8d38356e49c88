#include "dist/device_choice.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

namespace flashmm::dist {

std::string device_for_rank(const std::string& visible, int gpus_on_node, int local_rank) {
  if (local_rank < 0) return "";
  std::vector<std::string> entries;
  std::stringstream ss(visible);
  for (std::string e; std::getline(ss, e, ',');)
    if (!e.empty()) entries.push_back(e);
  if (!entries.empty()) return entries[static_cast<std::size_t>(local_rank) % entries.size()];
  if (!visible.empty() || gpus_on_node <= 0) return "";  // "" hides every GPU already, or there is none
  return std::to_string(local_rank % gpus_on_node);
}

void pick_device(int local_rank, int local_size) {
  if (local_size <= 1) return;
  const char* set = std::getenv("CUDA_VISIBLE_DEVICES");
  int gpus = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++gpus;
  const std::string choice = device_for_rank(set ? set : "", gpus, local_rank);
  if (!choice.empty()) ::setenv("CUDA_VISIBLE_DEVICES", choice.c_str(), 1);
}

}  // namespace flashmm::dist
