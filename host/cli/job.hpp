#pragma once
// Internal: the program as one rank of an MPI job (host/dist), or as the one process it is
// otherwise. Under mpirun or srun, `de`, `sumstats` and `fit` split the work across the ranks;
// rank 0 alone shows progress, notes and warnings, and writes the results. An error is reported
// once, by the rank that saw it, and every rank ends with a nonzero status (see
// dist/agreement.hpp).
#include <CLI/CLI.hpp>

#include <string>

namespace flashmm::cli {

class Job {
 public:
  /// Starts MPI when an MPI launcher started the program (dist::start). On the ranks other than
  /// 0, stderr goes to /dev/null until finish() reports an error of theirs.
  Job(int& argc, char**& argv);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  /// Throws InputError for a subcommand that runs as one process only, run across ranks.
  void check_command(const CLI::App& app) const;

  /// The exit status, once every rank has agreed on how the run went. status 0: this rank
  /// succeeded; else it failed with `message` (without "error: "), which it prints when it is
  /// the lowest rank that failed, or when the others do not come within seconds (then it ends
  /// the job: MPI_Abort). agreed: the failure was agreed already (dist::JobFailed): end quietly.
  int finish(int status, const std::string& message, bool agreed);

 private:
  void report(const std::string& message) const;
  int stderr_ = -1;  // the real stderr on ranks other than 0 (-1: not redirected)
};

}  // namespace flashmm::cli
