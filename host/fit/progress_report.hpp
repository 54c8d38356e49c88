#pragma once
// Internal: counts work done across threads and reports it through LmmOptions::progress without
// ever calling the callback twice at once (a busy report is skipped, not waited for).
#include <flashmm/types.hpp>

#include <atomic>
#include <functional>
#include <mutex>

namespace flashmm::detail {

class ProgressReport {
 public:
  /// steps_per_gene: how many passes over the genes the fit makes (each reports its genes), so
  /// that the callback sees genes: done steps / steps_per_gene.
  ProgressReport(const std::function<void(Index)>& callback, int steps_per_gene)
      : callback_(callback), steps_(steps_per_gene) {}
  void add(Index genes) {
    const Index done = done_.fetch_add(genes) + genes;
    if (!callback_) return;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) callback_(done / steps_);
  }

 private:
  const std::function<void(Index)>& callback_;
  const int steps_;
  std::atomic<Index> done_{0};
  std::mutex mutex_;
};

}  // namespace flashmm::detail
