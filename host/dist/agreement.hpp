#pragma once
// How the ranks agree that a step went well before they communicate again, in bounded time.
//
// Every rank calls agree() at the same points, in the same order: after each step of its own
// work and before each collective that exchanges data. A rank whose step failed calls agree()
// instead of going on (the program's error path does), so the ranks that are waiting there learn
// of it and stop, and no rank ever waits in a data collective for a rank that failed. A failing
// rank waits at most `patience` for the others (they may still be busy reading cells); then it
// gives up, so that the caller reports its error and ends the job (MPI_Abort). A rank that dies
// ends the job through the launcher (Open MPI kills the others when one exits abnormally).
#include <chrono>

namespace flashmm::dist {

struct Verdict {
  bool everyone_ok = true;  ///< no rank failed
  int failed_rank = -1;     ///< the lowest rank that failed (it reports), or -1
  int status = 0;           ///< that rank's exit status
  bool timed_out = false;   ///< this rank failed and the others did not come within the patience
};

/// status 0: this rank's step succeeded (then it waits for every rank, however long they take);
/// nonzero (1..15): it failed with that exit status.
Verdict agree(int status, std::chrono::milliseconds patience = std::chrono::seconds(5));

/// Thrown on the ranks that did not fail when agree() reports a failure elsewhere: the rank that
/// failed reports it; these end quietly with its status.
struct JobFailed {
  int status;
};

/// agree(0) and throws JobFailed when another rank failed.
void checkpoint();

}  // namespace flashmm::dist
