#pragma once
// The ranks of a job: MPI's world when the program was started by an MPI launcher (mpirun,
// mpiexec, srun), else one rank. Every other file of host/dist talks to MPI through the ranks
// this describes; without MPI at build time (FLASHMM_MPI=OFF, or not found) there is one rank.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flashmm::dist {

class Communicator {
 public:
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// The rank among those on the same node, and how many there are (picks the GPU).
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  bool root() const { return rank_ == 0; }
  /// More than one rank: the collectives below communicate.
  bool distributed() const { return size_ > 1; }

  /// Element-wise sums (exact: integers) over the ranks, into every rank's `values`.
  void sum(std::span<std::int64_t> values) const;
  /// The smallest and largest of `value` over the ranks.
  std::int64_t min(std::int64_t value) const;
  std::int64_t max(std::int64_t value) const;
  /// Rank 0 receives every rank's `mine` (in rank order; its own first); the others get {}.
  std::vector<std::vector<double>> gather(const std::vector<double>& mine) const;

  /// Ends every rank of the job now with `status` (MPI_Abort); returns only without MPI.
  void abort(int status) const;

 private:
  friend Communicator& world();
  friend void start(int& argc, char**& argv);
  friend void stop();
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  bool started_ = false;
};

/// The job's ranks (one until start() found a launcher).
Communicator& world();

/// Whether the environment says an MPI launcher started this process (Open MPI's, PMIx's or
/// Slurm's variables), so that a plain run never initialises MPI.
bool launched_by_mpi();
/// Initialises MPI when launched_by_mpi() (and MPI was built), and picks this rank's GPU from its
/// node-local rank (device_choice.hpp) before any CUDA call. Idempotent.
void start(int& argc, char**& argv);
/// Finalises MPI when start() initialised it.
void stop();

/// Whether this build can run across ranks (built with MPI).
bool built_with_mpi();

}  // namespace flashmm::dist
