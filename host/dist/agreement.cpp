#include "dist/agreement.hpp"

#include "dist/communicator.hpp"

#include <climits>
#include <thread>

#ifdef FLASHMM_WITH_MPI
#include <mpi.h>
#endif

namespace flashmm::dist {

Verdict agree(int status, [[maybe_unused]] std::chrono::milliseconds patience) {
  Verdict v;
  const Communicator& w = world();
  if (status < 0 || status > 15) status = 3;
  if (!w.distributed()) {
    v.everyone_ok = status == 0;
    v.failed_rank = status == 0 ? -1 : 0;
    v.status = status;
    return v;
  }
#ifdef FLASHMM_WITH_MPI
  // One number per rank, the smallest wins: a failed rank's (rank, status), INT_MAX if it went well.
  int mine = status == 0 ? INT_MAX : (w.rank() << 4) | status, lowest = INT_MAX;
  MPI_Request request;
  MPI_Iallreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  // Polled with short sleeps rather than waited for: a rank that is done early leaves the cores
  // to the ranks still working (MPI's blocking wait spins).
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) break;
    if (status != 0 && std::chrono::steady_clock::now() > deadline) {
      v.everyone_ok = false;
      v.failed_rank = w.rank();
      v.status = status;
      v.timed_out = true;
      return v;  // the request stays pending: the caller ends the job
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (lowest != INT_MAX) {
    v.everyone_ok = false;
    v.failed_rank = lowest >> 4;
    v.status = lowest & 15;
  }
#endif
  return v;
}

void checkpoint() {
  const Verdict v = agree(0);
  if (!v.everyone_ok) throw JobFailed{v.status};
}

}  // namespace flashmm::dist
