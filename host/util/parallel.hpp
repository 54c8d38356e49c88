#pragma once
// Internal: run f(i) for i in [0, n) on a number of threads. Work items are independent, so the
// result does not depend on the thread count or on which thread ran which item.
#include <algorithm>
#include <atomic>
#include <cstdint>
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

/// Calls f(item, slot) for every item in [0, n) on up to `threads` threads (the caller's among
/// them), handing items out in order. `slot` (0 <= slot < the number of threads used, at most
/// max(1, min(threads, n))) names the thread, so callers can give each thread its own scratch.
/// The first exception (by item) is rethrown in the caller after all threads stop.
template <class F>
void parallel_for_slots(std::int64_t n, int threads, F&& f) {
  if (n <= 0) return;
  const int nt = static_cast<int>(std::min<std::int64_t>(resolve_threads(threads), n));
  if (nt <= 1) {
    for (std::int64_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;
  std::int64_t error_item = n;
  auto worker = [&](int slot) {
    for (;;) {
      const std::int64_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        f(i, slot);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (i < error_item) {
          error_item = i;
          error = std::current_exception();
        }
        next.store(n);  // stop handing out work
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(nt - 1));
  for (int t = 1; t < nt; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

/// Calls f(begin, end) on consecutive blocks of at most `grain` items, spread over threads.
/// The first exception (by block start) is rethrown in the caller after all threads stop.
template <class F>
void parallel_for_blocks(std::int64_t n, int threads, std::int64_t grain, F&& f) {
  if (n <= 0) return;
  grain = std::max<std::int64_t>(1, grain);
  const std::int64_t blocks = (n + grain - 1) / grain;
  parallel_for_slots(blocks, threads, [&](std::int64_t b, int) { f(b * grain, std::min(n, (b + 1) * grain)); });
}

}  // namespace flashmm::detail
