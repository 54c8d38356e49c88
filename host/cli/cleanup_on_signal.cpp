#include "cli/cleanup_on_signal.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <map>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace flashmm::cli {

namespace {

namespace fs = std::filesystem;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

struct Registry {
  std::recursive_mutex mutex;
  std::map<std::uint64_t, fs::path> paths;
  std::uint64_t next = 1;
  int pipe_write = -1;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: the cleanup thread may outlive main's statics
  return *r;
}

std::atomic<int> g_pipe_write{-1};

void on_signal(int sig) {
  const int fd = g_pipe_write.load();
  const auto byte = static_cast<unsigned char>(sig);
  if (fd >= 0) (void)!::write(fd, &byte, 1);
}

void cleanup_thread(int pipe_read) {
  unsigned char byte = 0;
  for (;;) {
    const ssize_t n = ::read(pipe_read, &byte, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
  const int sig = byte;
  {
    Registry& r = registry();
    std::lock_guard<std::recursive_mutex> lock(r.mutex);
    // Newest first: a lock is registered before the temporaries made under it. The run's other
    // threads still write: a folder is renamed first, so that they can create nothing more in it
    // (they name their files by its path), then removed, again while files still vanish late.
    for (auto it = r.paths.rbegin(); it != r.paths.rend(); ++it) {
      std::error_code ec;
      fs::path p = it->second;
      if (fs::is_directory(fs::symlink_status(p, ec))) {
        const fs::path doomed = p.string() + "-removing";
        if (::rename(p.c_str(), doomed.c_str()) == 0) p = doomed;
      }
      for (int attempt = 0; attempt < 50; ++attempt) {
        fs::remove_all(p, ec);
        if (!fs::exists(fs::symlink_status(p, ec))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    r.paths.clear();
    // The registry stays locked: nothing else changes on disk before the process ends.
    std::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    std::raise(sig);
    std::_Exit(128 + sig);  // if the signal was ignored or blocked elsewhere
  }
}

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;  // no cleanup on signals; the next run removes stale files
    g_pipe_write.store(fds[1]);
    std::thread(cleanup_thread, fds[0]).detach();
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : kSignals) {
      struct sigaction old {};
      // A signal the caller chose to ignore (nohup) stays ignored.
      if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace

std::uint64_t remove_on_signal(const fs::path& path) {
  install();
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  const std::uint64_t id = r.next++;
  r.paths[id] = path;
  return id;
}

void forget_on_signal(std::uint64_t id) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  r.paths.erase(id);
}

std::unique_lock<std::recursive_mutex> hold_off_signal_cleanup() { return std::unique_lock<std::recursive_mutex>(registry().mutex); }

}  // namespace flashmm::cli
