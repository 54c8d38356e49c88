#pragma once
// Internal: a run's exclusive hold on an output (a result folder or file), and the names of its
// temporaries.
//
// The lock is the file .NAME.flashmm-lock beside the output NAME, locked with flock() and
// holding the holder's pid, host and start time for the message a second run gets. The kernel
// releases the lock when its holder ends however it ends, so a lock left by a dead run is
// simply taken over. Every temporary of an output is named .NAME.flashmm-*, and only the lock's
// holder makes them: so whatever such names the holder finds were left by a run that died, and
// are removed (a previous result set moved aside, .NAME.flashmm-*.old, is put back first if the
// output itself is missing).
#include <flashmm/error.hpp>

#include "cli/cleanup_on_signal.hpp"

#include <filesystem>
#include <string>

namespace flashmm::cli {

class OutputLock {
 public:
  OutputLock() = default;
  /// Takes the lock of `output` (absolute path), or throws IoError naming the output, the
  /// holder (pid, host, since when) and what to do. `what` names the output in messages
  /// ("--out 'DIR'", "-o 'FILE'").
  OutputLock(const std::filesystem::path& output, const std::string& what);
  OutputLock(OutputLock&& o) noexcept;
  OutputLock& operator=(OutputLock&& o) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  ~OutputLock();

 private:
  void release();
  std::filesystem::path path_;
  int fd_ = -1;
  SignalCleanup on_signal_;
};

/// The prefix of every temporary of `output`: DIR/.NAME.flashmm-
std::string temporary_prefix(const std::filesystem::path& output);
/// A new temporary name for `output` (unique to this run): DIR/.NAME.flashmm-PID-N.suffix
std::filesystem::path temporary_name(const std::filesystem::path& output, const std::string& suffix);
/// `message` with every mention of `temp` (and of the library's own temporary beside it,
/// temp.tmpPID_N) replaced by `final`: errors name the file the user asked for.
std::string with_final_name(std::string message, const std::string& temp, const std::string& final);

/// Runs write(temp) and rethrows an IoError naming `final` instead of the temporary.
template <class Write>
void write_as(const std::string& temp, const std::string& final, Write&& write) {
  try {
    write(temp);
  } catch (const IoError& e) {
    throw IoError(with_final_name(e.what(), temp, final));
  }
}

/// Puts back a result set moved aside by a run that died between its two renames (when the
/// output is missing), then removes every other temporary of `output`. Call holding the lock.
void clean_stale_temporaries(const std::filesystem::path& output);

}  // namespace flashmm::cli
