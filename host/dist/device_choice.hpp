#pragma once
// One rank per GPU: the node-local rank picks the device, by narrowing CUDA_VISIBLE_DEVICES to
// one entry before any CUDA call (the CUDA code then uses its device 0 as in a single process).
#include <string>

namespace flashmm::dist {

/// The CUDA_VISIBLE_DEVICES for node-local rank `local_rank`: entry local_rank mod n of
/// `visible` (a comma-separated list the launcher set, n entries) when it is not empty, else
/// local_rank mod gpus_on_node; "" (leave it as it is) when there is nothing to choose from.
std::string device_for_rank(const std::string& visible, int gpus_on_node, int local_rank);

/// Narrows CUDA_VISIBLE_DEVICES for this rank when several ranks share a node (local_size > 1);
/// the GPUs are counted from /proc/driver/nvidia/gpus without loading CUDA.
void pick_device(int local_rank, int local_size);

}  // namespace flashmm::dist
