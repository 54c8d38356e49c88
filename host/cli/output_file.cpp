#include "cli/output_file.hpp"

#include <flashmm/error.hpp>

#include "util/parallel.hpp"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace flashmm::cli {

namespace fs = std::filesystem;

namespace {

// Threads that wait for fsync at once (they wait for the disk, not for a core).
constexpr int kSyncThreads = 16;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

void sync_fd_of(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot open '" + p.string() + "' to write it to disk (" + errno_text(errno) + ")");
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  // Some file systems cannot sync a folder (EINVAL): nothing to make durable there.
  if (rc != 0 && !(err == EINVAL && (flags & O_DIRECTORY)))
    throw IoError("cannot write '" + p.string() + "' to disk (" + errno_text(err) + ")");
}

}  // namespace

const char* const kOutputFileHelp =
    "Output: FILE (-o) is written under a temporary name beside it (.FILE.flashmm-*) and renamed into place "
    "only when it is complete and on disk, so FILE is absent, the previous file or the new one, never a partial "
    "file (also on a full disk, or when the run is stopped). An existing FILE is not replaced without --force. A "
    "run holds FILE exclusively: a second run writing the same FILE stops with an error naming the first (lock "
    ".FILE.flashmm-lock beside it; a lock left by a run that died is taken over). A run stopped by Ctrl-C or "
    "SIGTERM removes its temporary files; the next run on FILE removes those of a run that was killed.";

OutputFiles::OutputFiles(std::vector<std::string> paths, bool force, const std::string& option)
    : given_(paths), force_(force), option_(option) {
  std::error_code ec;
  for (const auto& p : paths) {
    fs::path f = fs::absolute(p, ec).lexically_normal();
    if (!f.has_filename() || fs::is_directory(f, ec))
      throw IoError(option + " '" + p + "' is a folder; give the path of a file");
    finals_.push_back(f);
  }
  const fs::path& main = finals_.front();
  const fs::path dir = main.parent_path();
  const std::string what = option + " '" + paths.front() + "'";
  if (!fs::is_directory(dir, ec))
    throw IoError("cannot write " + what + ": the folder '" + dir.string() + "' does not exist; create it first");
  if (!directory_is_writable(dir))
    throw IoError("cannot write " + what + ": the folder '" + dir.string() + "' is not writable");
  lock_ = OutputLock(main, what);
  clean_stale_temporaries(main);
  if (!force)
    for (std::size_t i = 0; i < finals_.size(); ++i)
      if (fs::exists(fs::symlink_status(finals_[i], ec)))
        throw IoError("'" + paths[i] + "' already exists; choose another " + option + ", or add --force to replace it");
  for (const auto& f : finals_) {
    // Temporaries carry the main file's prefix, so that they are found as stale with it.
    temps_.push_back(temporary_name(main, f.filename().string() + ".tmp"));
    on_signal_.emplace_back(temps_.back());
  }
}

OutputFiles::~OutputFiles() {
  syncs_.wait(false);
  if (committed_) return;
  std::error_code ec;
  for (const auto& t : temps_) fs::remove(t, ec);
}

void OutputFiles::commit() {
  syncs_.wait();
  for (const auto& t : temps_) sync_file(t);  // clean by now where write() wrote them
  auto hold = hold_off_signal_cleanup();
  std::error_code ec;
  // The old main file aside first: from here until the new one is in, there is no set.
  fs::path aside;
  if (force_ && fs::exists(fs::symlink_status(finals_.front(), ec))) {
    aside = temporary_name(finals_.front(), "replaced");
    if (::rename(finals_.front().c_str(), aside.c_str()) != 0)
      throw IoError("cannot replace '" + finals_.front().string() + "' (" + errno_text(errno) + ")");
    on_signal_.emplace_back(aside);
  }
  for (std::size_t i = finals_.size(); i-- > 0;) {  // companions first, the main file last
    const int rc = force_ ? ::rename(temps_[i].c_str(), finals_[i].c_str())
                          : ::renameat2(AT_FDCWD, temps_[i].c_str(), AT_FDCWD, finals_[i].c_str(), RENAME_NOREPLACE);
    if (rc != 0) {
      const int err = errno;
      // The old main file comes back only while its companions are still the old ones.
      if (!aside.empty() && i + 1 == finals_.size()) ::rename(aside.c_str(), finals_.front().c_str());
      if (err == EEXIST)
        throw IoError("'" + finals_[i].string() + "' appeared while flashmm was writing it; it was left as it is. "
                      "Choose another " + option_ + ", or add --force to replace it");
      throw IoError("cannot move the finished file into place as '" + finals_[i].string() + "' (" + errno_text(err) + ")");
    }
  }
  committed_ = true;
  sync_directory(finals_.front().parent_path());
  if (!aside.empty()) fs::remove(aside, ec);
  on_signal_.clear();
}

void check_output_file(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(path, ec) && !force)
    throw IoError("'" + path + "' already exists; choose another output, or add --force to replace it");
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  if (!fs::is_directory(dir, ec))
    throw IoError("cannot write '" + path + "': the folder '" + dir.string() + "' does not exist; create it first");
  if (!directory_is_writable(dir))
    throw IoError("cannot write '" + path + "': the folder '" + dir.string() + "' is not writable");
}

bool directory_is_writable(const fs::path& dir) {
  const fs::path probe = dir / (".flashmm-write-test-" + std::to_string(::getpid()) + ".tmp");
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

void sync_file(const fs::path& file) { sync_fd_of(file, O_RDONLY); }

void sync_directory(const fs::path& dir) { sync_fd_of(dir, O_RDONLY | O_DIRECTORY); }

void BackgroundSyncs::start(const fs::path& file, const std::string& shown_as) {
  std::future<void> done;
  try {
    done = std::async(std::launch::async, [file] { sync_file(file); });
  } catch (const std::system_error&) {
    // No thread to spare: synced here, reported by wait() like the others.
    std::promise<void> here;
    try {
      sync_file(file);
      here.set_value();
    } catch (...) {
      here.set_exception(std::current_exception());
    }
    done = here.get_future();
  }
  const std::lock_guard<std::mutex> hold(mutex_);
  started_.emplace_back(file.string(), shown_as, std::move(done));
}

void BackgroundSyncs::wait(bool rethrow) {
  const std::lock_guard<std::mutex> hold(mutex_);
  std::string failure;
  for (auto& [file, shown_as, done] : started_) {
    try {
      done.get();
    } catch (const IoError& e) {
      if (failure.empty()) failure = with_final_name(e.what(), file, shown_as);
    }
  }
  started_.clear();
  if (rethrow && !failure.empty()) throw IoError(failure);
}

void sync_tree(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files, folders;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_symlink(ec)) continue;
    if (e.is_directory(ec)) folders.push_back(e.path());
    else if (e.is_regular_file(ec)) files.push_back(e.path());
  }
  if (ec) throw IoError("cannot list '" + dir.string() + "': " + ec.message());
  // The files' fsyncs all at once: each mostly waits for the disk, and the file system commits
  // concurrent ones together (one journal commit for the set rather than one per file: about 4 ms
  // each on ext4 here). The first failure (in listing order) is the one reported.
  detail::parallel_for_slots(static_cast<std::int64_t>(files.size()), kSyncThreads,
                             [&](std::int64_t i, int) { sync_file(files[static_cast<std::size_t>(i)]); });
  for (const auto& f : folders) sync_directory(f);
  sync_directory(dir);
}

}  // namespace flashmm::cli
