#pragma once
// Internal: result files published beside other files (sumstats -o, merge -o: one file;
// simulate FILE.h5ad with FILE.truth.tsv), and durability.
//
// As for a result folder (output_dir.hpp): the run holds the main file's name exclusively
// (OutputLock), writes every file under a temporary name of its own in the same folder, makes
// them durable (fsync, once for the set), and renames them into place. The main file is renamed
// last, and an old main file is moved aside first: the set is present exactly when its main file
// is, so a reader sees the old set, no set, or the new one. Without --force an existing file is
// never replaced, not even one that appeared while the run worked (renameat2 RENAME_NOREPLACE).
#include "cli/cleanup_on_signal.hpp"
#include "cli/output_lock.hpp"

#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace flashmm::cli {

/// The --help text of a command whose output is a file (-o FILE).
extern const char* const kOutputFileHelp;

/// The fsyncs of a result set's files, each started on a thread of its own as soon as the file
/// is written, so that the disk writes it while the next files are made; the set's commit waits
/// for them. Safe to use from several threads.
class BackgroundSyncs {
 public:
  /// Starts the fsync of `file` (synced here when no thread can be had); a failure is reported
  /// by wait() naming the file as `shown_as` (the path the user asked for, not the temporary).
  void start(const std::filesystem::path& file, const std::string& shown_as);
  /// Waits for every fsync started; then, with rethrow, throws the first failure (in the order
  /// they were started) as an IoError.
  void wait(bool rethrow = true);
  /// Waits; failures are dropped (the run is stopping for another error).
  ~BackgroundSyncs() { wait(false); }

 private:
  std::mutex mutex_;
  std::vector<std::tuple<std::string, std::string, std::future<void>>> started_;  // file, shown_as, fsync
};

class OutputFiles {
 public:
  /// paths[0] is the main file, the others its companions (same folder). Locks the main file's
  /// name, removes stale temporaries, and refuses (IoError) when one of the files exists unless
  /// `force`, or when the folder does not exist or is not writable. `option` names the option
  /// that gave the path ("-o", "--out") in messages. Call before any heavy work.
  OutputFiles(std::vector<std::string> paths, bool force, const std::string& option);
  /// Removes the temporary files of an unfinished run, and releases the lock.
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  /// Where to write paths[i].
  std::string temp_path(std::size_t i) const { return temps_[i].string(); }
  /// Runs write(temp_path(i)); an IoError then names paths[i] rather than the temporary.
  template <class Write>
  void write(std::size_t i, Write&& write) {
    write_as(temp_path(i), given_[i], std::forward<Write>(write));
    syncs_.start(temps_[i], given_[i]);
  }
  /// Makes the temporary files durable and renames them into place, the main file last.
  void commit();

 private:
  std::vector<std::string> given_;
  std::vector<std::filesystem::path> finals_, temps_;
  std::vector<SignalCleanup> on_signal_;
  bool force_;
  std::string option_;
  OutputLock lock_;
  BackgroundSyncs syncs_;
  bool committed_ = false;
};

/// Throws IoError when `path` exists and !force (never overwrite a user's file unasked), or when
/// its directory does not exist or is not writable: a check before any heavy work (OutputFiles
/// checks again when it takes the output).
void check_output_file(const std::string& path, bool force);

/// Whether a file can be created in dir, found by creating (and removing) one: permission bits do
/// not tell the whole story (read-only mounts, ACLs).
bool directory_is_writable(const std::filesystem::path& dir);

/// fsync of a file, of a folder, and of every file in a folder (recursively) and the folders;
/// IoError naming the file when the data cannot be written (a full disk is sometimes only
/// reported here).
void sync_file(const std::filesystem::path& file);
void sync_directory(const std::filesystem::path& dir);
void sync_tree(const std::filesystem::path& dir);


}  // namespace flashmm::cli
