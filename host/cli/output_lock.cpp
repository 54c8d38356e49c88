#include "cli/output_lock.hpp"

#include <flashmm/error.hpp>

#include "cli/cleanup_on_signal.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flashmm::cli {

namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

std::string lock_path(const fs::path& output) { return temporary_prefix(output) + "lock"; }

std::string read_all(int fd) {
  std::string s;
  char buf[512];
  if (::lseek(fd, 0, SEEK_SET) < 0) return s;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    s.append(buf, static_cast<std::size_t>(n));
  }
  return s;
}

// The holder's line: "pid PID host HOST since TIME".
std::string holder_line() {
  char when[64] = "?";
  const std::time_t now = std::time(nullptr);
  std::tm tm {};
  if (::localtime_r(&now, &tm) != nullptr) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  return "pid " + std::to_string(::getpid()) + " host " + host_name() + " since " + when + "\n";
}

// Where flock is not supported (some network file systems): the pid in the file decides.
bool holder_is_alive(const std::string& content) {
  std::istringstream in(content);
  std::string word, host;
  long pid = 0;
  in >> word >> pid >> word >> host;
  if (pid <= 0 || host != host_name()) return pid > 0;  // another host: assume it runs
  return pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

std::string temporary_prefix(const fs::path& output) {
  std::string name(1, '.');
  name.append(output.filename().string()).append(".flashmm-");
  return (output.parent_path() / name).string();
}

fs::path temporary_name(const fs::path& output, const std::string& suffix) {
  static std::atomic<int> counter{0};
  return temporary_prefix(output) + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "." + suffix;
}

OutputLock::OutputLock(const fs::path& output, const std::string& what) : path_(lock_path(output)) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw IoError("cannot create the lock file '" + path_.string() + "' for " + what + " (" +
                    std::error_code(errno, std::generic_category()).message() +
                    "); the folder that holds it must be writable");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = read_all(fd_);
      if (err == EWOULDBLOCK || ((err == ENOLCK || err == EOPNOTSUPP || err == EINVAL) && holder_is_alive(holder))) {
        ::close(fd_);
        fd_ = -1;
        std::string h = holder;
        while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
        throw IoError(what + " is in use by another flashmm run (" + (h.empty() ? "starting" : h) +
                      "); wait for it to finish, or choose another output. Runs that share an output would mix "
                      "their results");
      }
      // Without flock the pid decides: the holder is gone, take the lock over.
    }
    // The path may have been removed (and made again) by the previous holder between our open
    // and our flock: then we hold a lock nobody else sees; try again.
    struct stat by_fd {}, by_path {};
    if (::fstat(fd_, &by_fd) == 0 && ::stat(path_.c_str(), &by_path) == 0 && by_fd.st_ino == by_path.st_ino &&
        by_fd.st_dev == by_path.st_dev)
      break;
    ::close(fd_);
    fd_ = -1;
  }
  if (fd_ < 0) throw IoError("cannot take the lock '" + path_.string() + "' for " + what);
  const std::string line = holder_line();
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    // The lock holds; only the message a second run would print is missing.
  }
  on_signal_ = SignalCleanup(path_);
}

OutputLock::OutputLock(OutputLock&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), on_signal_(std::move(o.on_signal_)) {
  o.fd_ = -1;
}

OutputLock& OutputLock::operator=(OutputLock&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    on_signal_ = std::move(o.on_signal_);
    o.fd_ = -1;
  }
  return *this;
}

OutputLock::~OutputLock() { release(); }

void OutputLock::release() {
  if (fd_ < 0) return;
  on_signal_.release();
  // Removed while still held, so that no other run locks the file being removed.
  ::unlink(path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

std::string with_final_name(std::string message, const std::string& temp, const std::string& final) {
  for (std::size_t at = message.find(temp); at != std::string::npos; at = message.find(temp, at + final.size())) {
    std::size_t end = at + temp.size();
    if (message.compare(end, 4, ".tmp") == 0) {
      end += 4;
      while (end < message.size() && (std::isdigit(static_cast<unsigned char>(message[end])) || message[end] == '_')) ++end;
    }
    message.replace(at, end - at, final);
  }
  return message;
}

void clean_stale_temporaries(const fs::path& output) {
  const std::string prefix = temporary_prefix(output), lock = lock_path(output);
  const std::string own = prefix + std::to_string(::getpid()) + "-";
  std::error_code ec;
  const bool missing = !fs::exists(fs::symlink_status(output, ec));
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(output.parent_path(), ec)) {
    const std::string p = e.path().string();
    if (p.rfind(prefix, 0) != 0 || p == lock || p.rfind(own, 0) == 0) continue;
    stale.push_back(e.path());
  }
  for (const auto& p : stale) {
    if (missing && p.extension() == ".old" && fs::is_directory(p, ec)) {
      fs::rename(p, output, ec);
      if (!ec) continue;
    }
    fs::remove_all(p, ec);
  }
}

}  // namespace flashmm::cli
