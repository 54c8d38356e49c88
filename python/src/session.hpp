#pragma once
// The Python side of one long call into the library: what the library says (warnings, notes),
// kept for the Python layer to show with warnings.warn and logging; progress, reported to a
// Python callable; and Ctrl-C. The heavy work runs without the GIL (run()); checkpoints on the
// calling thread take it back now and then to run Python's signal handlers, so that a
// KeyboardInterrupt stops the work at the next checkpoint on any thread.
#include <flashmm/progress.hpp>
#include <flashmm/types.hpp>

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace flashmm::python {

namespace py = pybind11;

/// Thrown through library code once a Python signal handler (Ctrl-C) or the progress callable
/// raised. Not a std::exception, so that nothing in the library mistakes it for an error of its
/// own; Session::run turns it back into the Python exception.
struct Interrupted {};

class Session {
 public:
  /// progress: None, or a callable progress(stage: str, done: int, total: int) (total 0: unknown),
  /// called on the thread that made the call, at most every 0.1 s and once at each stage's end.
  explicit Session(py::object progress = py::none());
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void warn(const std::string& message);
  void note(const std::string& message);
  void warn(const std::vector<std::string>& messages);
  void note(const std::vector<std::string>& messages);
  /// The messages so far as (kind, text) pairs, kind "warning" or "note", each text once; clears them.
  std::vector<std::pair<std::string, std::string>> take_messages();

  /// Called without the GIL. On the calling thread: runs Python's signal handlers and the progress
  /// callable (throttled unless final); on any thread: throws Interrupted once either raised.
  void checkpoint(const std::string& stage, Index done, Index total, bool final = false);
  /// A callback for LmmOptions::progress and accumulate_cells: checkpoints named by the stage
  /// ("fitting", "df", ...).
  ProgressCallback progress_callback();

  /// Runs f() without the GIL; when it was interrupted, raises the Python exception that stopped
  /// it (KeyboardInterrupt, or whatever the progress callable raised).
  template <class F>
  auto run(F&& f) -> decltype(f()) {
    try {
      py::gil_scoped_release release;
      return f();
    } catch (const Interrupted&) {
      raise_saved();
    }
  }

 private:
  [[noreturn]] void raise_saved();
  void save_python_error();

  std::thread::id owner_;
  py::object progress_;
  std::atomic<bool> interrupted_{false};
  PyObject* error_type_ = nullptr;
  PyObject* error_value_ = nullptr;
  PyObject* error_traceback_ = nullptr;
  std::chrono::steady_clock::time_point last_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

}  // namespace flashmm::python
