#include "cli/job.hpp"

#include <flashmm/error.hpp>

#include "dist/agreement.hpp"
#include "dist/communicator.hpp"

#include <cstdio>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace flashmm::cli {

Job::Job(int& argc, char**& argv) {
  dist::start(argc, argv);
  const dist::Communicator& w = dist::world();
  if (!w.root()) {
    // Progress, notes and warnings are rank 0's: the other ranks see the same design and data.
    stderr_ = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
  }
}

Job::~Job() { dist::stop(); }

void Job::check_command(const CLI::App& app) const {
  const dist::Communicator& w = dist::world();
  if (!w.distributed()) return;
  for (const CLI::App* sub : app.get_subcommands()) {
    const std::string& name = sub->get_name();
    if (name != "de" && name != "sumstats" && name != "fit")
      throw InputError("flashmm " + name + " runs as one process: start it without mpirun or srun (de, sumstats and "
                       "fit run across ranks)");
  }
}

void Job::report(const std::string& message) const {
  const dist::Communicator& w = dist::world();
  std::string line = "error: " + message;
  if (w.distributed()) line += " (rank " + std::to_string(w.rank()) + " of " + std::to_string(w.size()) + ")";
  line += "\n";
  const int fd = stderr_ >= 0 ? stderr_ : STDERR_FILENO;
  std::fflush(stderr);
  for (std::size_t at = 0; at < line.size();) {
    const ssize_t n = ::write(fd, line.data() + at, line.size() - at);
    if (n <= 0) break;
    at += static_cast<std::size_t>(n);
  }
}

int Job::finish(int status, const std::string& message, bool agreed) {
  const dist::Communicator& w = dist::world();
  if (!w.distributed()) {
    if (status != 0) report(message);
    return status;
  }
  if (agreed) return status;
  const dist::Verdict v = dist::agree(status);
  if (v.timed_out) {
    // The others are still busy (reading cells, fitting): end them now rather than after.
    report(message);
    w.abort(status);
  }
  if (status != 0 && v.failed_rank == w.rank()) report(message);
  return v.everyone_ok ? 0 : v.status;
}

}  // namespace flashmm::cli
