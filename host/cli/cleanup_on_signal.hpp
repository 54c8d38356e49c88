#pragma once
// Internal: what a run has on disk that is not a result yet (temporary files and folders, its
// locks), removed when SIGINT, SIGTERM or SIGHUP stops the run. A thread waits for the signal
// (the handler only wakes it), removes the registered paths under the registry's lock, and then
// lets the signal end the process as it would have (exit status 128 + signal in a shell).
// Publishing a result holds the same lock, so a signal sees the result either before or after.
#include <cstdint>
#include <filesystem>
#include <mutex>

namespace flashmm::cli {

/// Registers `path` (a file or a folder) for removal if a signal stops the run; the returned
/// id unregisters it. Installs the handlers the first time.
std::uint64_t remove_on_signal(const std::filesystem::path& path);
void forget_on_signal(std::uint64_t id);

/// Held while the files on disk change from one state to another (publishing), so that the
/// signal's cleanup runs either before or after.
std::unique_lock<std::recursive_mutex> hold_off_signal_cleanup();

/// Registration for the lifetime of an object.
class SignalCleanup {
 public:
  SignalCleanup() = default;
  explicit SignalCleanup(const std::filesystem::path& path) : id_(remove_on_signal(path)) {}
  SignalCleanup(SignalCleanup&& o) noexcept : id_(o.id_) { o.id_ = 0; }
  SignalCleanup& operator=(SignalCleanup&& o) noexcept {
    if (this != &o) {
      release();
      id_ = o.id_;
      o.id_ = 0;
    }
    return *this;
  }
  SignalCleanup(const SignalCleanup&) = delete;
  SignalCleanup& operator=(const SignalCleanup&) = delete;
  ~SignalCleanup() { release(); }
  void release() {
    if (id_ != 0) forget_on_signal(id_);
    id_ = 0;
  }

 private:
  std::uint64_t id_ = 0;
};

}  // namespace flashmm::cli
