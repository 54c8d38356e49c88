#pragma once
// Internal: counts work done across threads and reports it through LmmOptions::progress without
// ever calling the callback twice at once (a busy report is skipped, not waited for).
#include <flashmm/progress.hpp>
#include <flashmm/types.hpp>

#include <atomic>
#include <functional>
#include <mutex>

namespace flashmm::detail {

class ProgressReport {
 public:
  /// steps_per_gene: how many passes over the genes the fit makes (each reports its genes), so
  /// that the callback sees (fitting, done steps / steps_per_gene, genes).
  ProgressReport(const ProgressCallback& callback, int steps_per_gene, Index genes)
      : callback_(callback), steps_(steps_per_gene), genes_(genes) {}
  void add(Index genes) {
    const Index done = done_.fetch_add(genes) + genes;
    if (!callback_) return;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) callback_(ProgressStage::fitting, done / steps_, genes_);
  }

 private:
  const ProgressCallback& callback_;
  const int steps_;
  const Index genes_;
  std::atomic<Index> done_{0};
  std::mutex mutex_;
};

}  // namespace flashmm::detail
