#pragma once
// Internal: a result set published as a whole folder (de, fit, test: --out DIR; simulate's 10x
// folder).
//
// The run holds DIR exclusively (OutputLock: a second run with the same DIR stops with an error
// naming the first), writes its files into a fresh sibling folder .DIR.flashmm-PID-N.tmp, makes
// them durable (fsync, once for the set), and then swaps that folder in with one rename
// (renameat2 RENAME_EXCHANGE): a reader of DIR sees the old complete set or the new one, never a
// mix, and the old set is removed only after the new one is in place. Files in DIR that are not
// part of the set (a user's notes, another command's results) are carried over into the new
// folder (hard links, or moved for folders). Where the file system cannot exchange two names,
// DIR is renamed aside and the new folder renamed in: in between DIR is missing, and a run
// stopped there has its old set put back by the next one. A run stopped by SIGINT, SIGTERM or
// SIGHUP removes its temporaries; the next run on DIR removes those of a run that was killed.
#include "cli/cleanup_on_signal.hpp"
#include "cli/output_file.hpp"
#include "cli/output_lock.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flashmm::cli {

/// The --help text of a command whose output is a folder (--out DIR).
extern const char* const kOutputDirHelp;

class OutputDir {
 public:
  /// Locks `dir`, removes stale temporaries, refuses (IoError) when any of `names` (the set's
  /// files) already exists in dir unless `force` (a user's earlier results are never
  /// overwritten without being asked), and makes the staging folder. Call before any heavy work.
  OutputDir(const std::string& dir, std::vector<std::string> names, bool force);
  /// Removes the staging folder of an unfinished run, and releases the lock.
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  /// Where to write `name` (one of the set's names), in the staging folder.
  std::string temp_path(const std::string& name) const;
  /// Runs write(temp_path(name)); an IoError then names DIR/name rather than the temporary.
  /// The file's fsync then starts on a thread of its own, so that the disk writes it while the
  /// set's other files are made (commit waits for it). Safe to call from several threads.
  template <class Write>
  void write(const std::string& name, Write&& write) {
    write_as(temp_path(name), (dir_ / name).string(), std::forward<Write>(write));
    syncs_.start(staging_ / name, (dir_ / name).string());
  }
  /// The staging folder, for writers that fill a folder.
  const std::filesystem::path& staging() const { return staging_; }
  /// Makes the staging folder's files durable and swaps it in as dir.
  void commit();
  /// The output folder as given.
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_, target_, staging_;
  std::vector<std::string> names_;
  BackgroundSyncs syncs_;
  OutputLock lock_;
  SignalCleanup on_signal_;
  bool committed_ = false;
};

}  // namespace flashmm::cli
