#include "session.hpp"

#include <algorithm>

namespace flashmm::python {

namespace {
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
}  // namespace

Session::Session(py::object progress) : owner_(std::this_thread::get_id()), progress_(std::move(progress)) {
  last_ = std::chrono::steady_clock::now() - kProgressInterval;
}

Session::~Session() {
  Py_XDECREF(error_type_);
  Py_XDECREF(error_value_);
  Py_XDECREF(error_traceback_);
}

void Session::warn(const std::string& message) {
  const std::pair<std::string, std::string> m{"warning", message};
  if (std::find(messages_.begin(), messages_.end(), m) == messages_.end()) messages_.push_back(m);
}

void Session::note(const std::string& message) {
  const std::pair<std::string, std::string> m{"note", message};
  if (std::find(messages_.begin(), messages_.end(), m) == messages_.end()) messages_.push_back(m);
}

void Session::warn(const std::vector<std::string>& messages) {
  for (const auto& m : messages) warn(m);
}

void Session::note(const std::vector<std::string>& messages) {
  for (const auto& m : messages) note(m);
}

std::vector<std::pair<std::string, std::string>> Session::take_messages() { return std::exchange(messages_, {}); }

void Session::save_python_error() {
  PyErr_Fetch(&error_type_, &error_value_, &error_traceback_);
  interrupted_ = true;
}

void Session::checkpoint(const std::string& stage, Index done, Index total, bool final) {
  if (interrupted_) throw Interrupted{};
  if (std::this_thread::get_id() != owner_) return;  // Python's signal handlers run on the main thread only
  const auto now = std::chrono::steady_clock::now();
  if (!final && now - last_ < kProgressInterval) return;
  last_ = now;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    save_python_error();
    throw Interrupted{};
  }
  if (progress_.is_none()) return;
  try {
    progress_(stage, done, total);
  } catch (py::error_already_set& e) {
    e.restore();
    save_python_error();
    throw Interrupted{};
  }
}

ProgressCallback Session::progress_callback() {
  return [this](ProgressStage stage, Index done, Index total) { checkpoint(to_string(stage), done, total); };
}

void Session::raise_saved() {
  interrupted_ = false;
  PyErr_Restore(error_type_, error_value_, error_traceback_);
  error_type_ = error_value_ = error_traceback_ = nullptr;
  throw py::error_already_set();
}

}  // namespace flashmm::python
