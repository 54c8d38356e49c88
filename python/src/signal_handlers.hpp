#pragma once
// The program's shared layer may install handlers of its own for SIGINT, SIGTERM and SIGHUP (to
// remove its temporary files when a signal ends the program, and then end the process). In a
// Python process that would turn Ctrl-C into the end of the interpreter instead of a
// KeyboardInterrupt, so the calls into that layer keep the handlers as they were.
#include <csignal>

namespace flashmm::python {

class KeepSignalHandlers {
 public:
  KeepSignalHandlers() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], nullptr, &saved_[i]);
  }
  ~KeepSignalHandlers() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &saved_[i], nullptr);
  }
  KeepSignalHandlers(const KeepSignalHandlers&) = delete;
  KeepSignalHandlers& operator=(const KeepSignalHandlers&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction saved_[3] {};
};

}  // namespace flashmm::python
