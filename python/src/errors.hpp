#pragma once
// The library's typed errors as Python exceptions (flashmm/_errors.py makes them): ValueError
// for InputError, ParseError and OptionError (with .option, the Python keyword), OSError for
// IoError, RuntimeError for DeviceError and NumericalError; the message is the program's.
#include <pybind11/pybind11.h>

namespace flashmm::python {

void register_errors(pybind11::module_& m);

}  // namespace flashmm::python
