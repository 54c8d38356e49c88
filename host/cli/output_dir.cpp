#include "cli/output_dir.hpp"

#include "cli/output_file.hpp"

#include <flashmm/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flashmm::cli {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// The output folder as an absolute path without a trailing separator, a symbolic link to a
// folder replaced by the folder (the set replaces the folder, not the link).
fs::path resolve(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (fs::is_symlink(p, ec)) {
    const fs::path c = fs::canonical(p, ec);
    if (!ec) p = c;
  }
  return p;
}

bool is_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
    if (i == inner.end() || *i != *o) return false;
  return true;
}

struct Carried {
  std::string name;
  bool linked;  // hard-linked (else moved)
};

// Moves the entries moved into the staging folder back into the output folder (after a failure).
void put_back(const fs::path& staging, const fs::path& target, const std::vector<Carried>& carried) {
  for (const auto& c : carried)
    if (!c.linked) ::rename((staging / c.name).c_str(), (target / c.name).c_str());
}

// Removes the old set (now at `old`): the set's files and the links to carried files; entries
// that appeared meanwhile are kept, and the folder then left under a visible name.
void remove_old_set(const fs::path& old, const fs::path& target, const std::vector<std::string>& names) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(old, ec)) {
    const std::string name = e.path().filename().string();
    const bool ours = std::find(names.begin(), names.end(), name) != names.end();
    struct stat a {}, b {};
    const bool same_file = ::lstat(e.path().c_str(), &a) == 0 && ::lstat((target / name).c_str(), &b) == 0 &&
                           a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    if (ours || same_file) fs::remove_all(e.path(), ec);
  }
  if (::rmdir(old.c_str()) != 0) {
    const fs::path keep = target.string() + ".flashmm-leftover-" + std::to_string(::getpid());
    ::rename(old.c_str(), keep.c_str());
    std::fprintf(stderr, "warning: files appeared in '%s' while flashmm replaced it; they are kept in '%s'\n",
                 target.c_str(), keep.c_str());
  }
}

}  // namespace

const char* const kOutputDirHelp =
    "Output: the results go into the folder DIR (--out, created if needed). They are written into a new folder "
    "beside it (.DIR.flashmm-*) and swapped in with one rename once complete and on disk, so DIR holds the "
    "previous complete results or the new ones, never a mix or a partial set (also on a full disk, or when the "
    "run is stopped); files in DIR that are not results of this command are kept. Existing results are not "
    "replaced without --force; with --force the old ones are removed only after the new ones are in place. A "
    "run holds DIR exclusively: a second run with the same DIR stops with an error naming the first (lock "
    ".DIR.flashmm-lock beside DIR; a lock left by a run that died is taken over). A run stopped by Ctrl-C or "
    "SIGTERM removes its temporary files; the next run on DIR removes those of a run that was killed. The folder "
    "that holds DIR must be writable.";

OutputDir::OutputDir(const std::string& dir, std::vector<std::string> names, bool force)
    : dir_(dir), target_(resolve(dir)), names_(std::move(names)) {
  const std::string what = "--out '" + dir + "'";
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec && is_within(cwd, fs::weakly_canonical(target_, ec)))
    throw IoError(what + " is the current folder or holds it: flashmm replaces the whole --out folder when it "
                  "publishes its results; give a folder of their own, e.g. --out results");
  if (fs::exists(target_, ec) && !fs::is_directory(target_, ec))
    throw IoError(what + " is a file; give --out a folder (it is created if needed)");
  fs::create_directories(target_.parent_path(), ec);
  if (ec || !fs::is_directory(target_.parent_path()))
    throw IoError("cannot create the folder '" + target_.parent_path().string() + "' for " + what +
                  (ec ? ": " + ec.message() : std::string()) + "; give --out a folder you can write to");
  lock_ = OutputLock(target_, what);
  clean_stale_temporaries(target_);
  if (!force && fs::is_directory(target_, ec)) {
    std::vector<std::string> existing;
    for (const auto& n : names_)
      if (fs::exists(fs::symlink_status(target_ / n, ec))) existing.push_back(n);
    if (!existing.empty()) {
      std::string list;
      for (std::size_t i = 0; i < existing.size() && i < 4; ++i) list += (i ? ", " : "") + existing[i];
      if (existing.size() > 4) list += ", ...";
      throw IoError("the output folder '" + dir + "' already holds results (" + list +
                    "); choose another --out, or add --force to replace them");
    }
  }
  staging_ = temporary_name(target_, "tmp");
  on_signal_ = SignalCleanup(staging_);
  if (::mkdir(staging_.c_str(), 0777) != 0)
    throw IoError("cannot create '" + staging_.string() + "' for " + what + " (" + errno_text(errno) +
                  "): results are written beside --out and then swapped in, so the folder that holds --out must "
                  "be writable");
}

OutputDir::~OutputDir() {
  syncs_.wait(false);
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

std::string OutputDir::temp_path(const std::string& name) const { return (staging_ / name).string(); }

void OutputDir::commit() {
  // The files written through write() are on disk once their fsyncs are done; sync_tree then
  // finds them clean (a quick call each) and makes the rest durable (files a writer put in
  // staging() itself) and the folders.
  syncs_.wait();
  sync_tree(staging_);
  auto hold = hold_off_signal_cleanup();
  std::error_code ec;
  const fs::path parent = target_.parent_path();
  if (!fs::exists(fs::symlink_status(target_, ec)) && ::rename(staging_.c_str(), target_.c_str()) == 0) {
    committed_ = true;
    on_signal_.release();
    sync_directory(parent);
    return;
  }
  // Carry over what is in the folder and not part of the set.
  std::vector<Carried> carried;
  for (const auto& e : fs::directory_iterator(target_, ec)) {
    const std::string name = e.path().filename().string();
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) continue;
    const bool file = e.symlink_status(ec).type() == fs::file_type::regular;
    if (file && ::link(e.path().c_str(), (staging_ / name).c_str()) == 0) {
      carried.push_back({name, true});
      continue;
    }
    if (::rename(e.path().c_str(), (staging_ / name).c_str()) != 0) {
      const int err = errno;
      put_back(staging_, target_, carried);
      throw IoError("cannot carry '" + e.path().string() + "' over into the new results (" + errno_text(err) + ")");
    }
    carried.push_back({name, false});
  }
  if (ec) {
    put_back(staging_, target_, carried);
    throw IoError("cannot list '" + target_.string() + "': " + ec.message());
  }
  fs::path old = staging_;
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
    const int err = errno;
    if (err != EINVAL && err != ENOSYS && err != ENOTSUP) {
      put_back(staging_, target_, carried);
      throw IoError("cannot swap the new results into '" + target_.string() + "' (" + errno_text(err) + ")");
    }
    // No exchange here: the old folder aside, then the new one in (the next run puts the old
    // one back if this one stops in between).
    old = temporary_name(target_, "old");
    if (::rename(target_.c_str(), old.c_str()) != 0) {
      const int e2 = errno;
      put_back(staging_, target_, carried);
      throw IoError("cannot move '" + target_.string() + "' aside (" + errno_text(e2) + ")");
    }
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      const int e3 = errno;
      ::rename(old.c_str(), target_.c_str());
      put_back(staging_, target_, carried);
      throw IoError("cannot move the new results into '" + target_.string() + "' (" + errno_text(e3) + ")");
    }
  }
  committed_ = true;
  on_signal_ = SignalCleanup(old);
  sync_directory(parent);
  remove_old_set(old, target_, names_);
  on_signal_.release();
}

}  // namespace flashmm::cli
