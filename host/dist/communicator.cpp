#include "dist/communicator.hpp"

#include "dist/device_choice.hpp"

#include <cstdlib>

#ifdef FLASHMM_WITH_MPI
#include <mpi.h>
#endif

namespace flashmm::dist {

Communicator& world() {
  static Communicator w;
  return w;
}

bool built_with_mpi() {
#ifdef FLASHMM_WITH_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

#ifdef FLASHMM_WITH_MPI

void start(int& argc, char**& argv) {
  Communicator& w = world();
  if (w.started_ || !launched_by_mpi()) return;
  // CUDA may start threads of its own; the program calls MPI from its main thread only.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  w.started_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &w.local_rank_);
  MPI_Comm_size(node, &w.local_size_);
  MPI_Comm_free(&node);
  pick_device(w.local_rank_, w.local_size_);
}

void stop() {
  Communicator& w = world();
  if (!w.started_) return;
  w.started_ = false;
  MPI_Finalize();
}

void Communicator::sum(std::span<std::int64_t> values) const {
  if (!distributed() || values.empty()) return;
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
}

std::int64_t Communicator::min(std::int64_t value) const {
  if (distributed()) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
  return value;
}

std::int64_t Communicator::max(std::int64_t value) const {
  if (distributed()) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

std::vector<std::vector<double>> Communicator::gather(const std::vector<double>& mine) const {
  if (!distributed()) return {mine};
  // Counts first, then the values; one message per rank (counts fit an int: < 2^31 doubles).
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(root() ? static_cast<std::size_t>(size_) : 0), offsets(counts.size() + 1, 0);
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<double> all;
  if (root()) {
    for (std::size_t r = 0; r < counts.size(); ++r) offsets[r + 1] = offsets[r] + counts[r];
    all.resize(static_cast<std::size_t>(offsets.back()));
  }
  MPI_Gatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  std::vector<std::vector<double>> out;
  for (std::size_t r = 0; r < counts.size(); ++r)
    out.emplace_back(all.begin() + offsets[r], all.begin() + offsets[r + 1]);
  return out;
}

void Communicator::abort(int status) const {
  if (started_) MPI_Abort(MPI_COMM_WORLD, status);
}

#else  // one rank

void start(int&, char**&) {}
void stop() {}
void Communicator::sum(std::span<std::int64_t>) const {}
std::int64_t Communicator::min(std::int64_t value) const { return value; }
std::int64_t Communicator::max(std::int64_t value) const { return value; }
std::vector<std::vector<double>> Communicator::gather(const std::vector<double>& mine) const { return {mine}; }
void Communicator::abort(int) const {}

#endif

}  // namespace flashmm::dist
