#include "errors.hpp"

#include <flashmm/error.hpp>

#include <string>

namespace flashmm::python {

namespace py = pybind11;

namespace {

// Raises flashmm._errors.from_library(kind, message, option): the Python layer picks the class
// and names options and flags as Python spells them.
void raise(const char* kind, const char* message, const std::string& option = {}) {
  try {
    const py::object make = py::module_::import("flashmm._errors").attr("from_library");
    const py::object exc = make(kind, message, option);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  } catch (py::error_already_set& e) {
    e.restore();  // the error of the Python layer itself, rather than hiding it
  }
}

}  // namespace

void register_errors(py::module_& m) {
  (void)m;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const OptionError& e) {
      raise("OptionError", e.what(), e.option());
    } catch (const InputError& e) {
      raise("InputError", e.what());
    } catch (const ParseError& e) {
      raise("ParseError", e.what());
    } catch (const IoError& e) {
      raise("IoError", e.what());
    } catch (const DeviceError& e) {
      raise("DeviceError", e.what());
    } catch (const NumericalError& e) {
      raise("NumericalError", e.what());
    } catch (const Error& e) {
      raise("Error", e.what());
    }
  });
}

}  // namespace flashmm::python
