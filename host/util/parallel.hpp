#pragma once
// Internal: run f(i) for i in [0, n) on a number of threads. Work items are independent, so the
// result does not depend on the thread count or on which thread ran which item.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace flashmm::detail {

inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Calls f(begin, end) on consecutive blocks of at most `grain` items, spread over threads.
/// The first exception (by block start) is rethrown in the caller after all threads stop.
template <class F>
void parallel_for_blocks(std::int64_t n, int threads, std::int64_t grain, F&& f) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(1, grain);
  const std::int64_t blocks = (n + grain - 1) / grain;
  const int nt = static_cast<int>(std::min<std::int64_t>(resolve_threads(threads), blocks));
  if (nt <= 1) {
    for (std::int64_t b = 0; b < blocks; ++b) f(b * grain, std::min(n, (b + 1) * grain));
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;
  std::int64_t error_block = blocks;
  auto worker = [&] {
    for (;;) {
      const std::int64_t b = next.fetch_add(1);
      if (b >= blocks) return;
      try {
        f(b * grain, std::min(n, (b + 1) * grain));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (b < error_block) {
          error_block = b;
          error = std::current_exception();
        }
        next.store(blocks);  // stop handing out work
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(nt - 1));
  for (int t = 1; t < nt; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace flashmm::detail
