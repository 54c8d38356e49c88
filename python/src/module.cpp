// flashmm._flashmm: the compiled half of the Python package (the pure-Python half is python/flashmm).
#include "bindings.hpp"
#include "errors.hpp"

PYBIND11_MODULE(_flashmm, m) {
  m.doc() = "flashmm's library: cells -> summary statistics -> LMM fit -> tests (see the flashmm package)";
  m.attr("__version__") = FLASHMM_VERSION;
  flashmm::python::register_errors(m);
  flashmm::python::bind_data(m);
  flashmm::python::bind_fit(m);
  flashmm::python::bind_simulate(m);
}
