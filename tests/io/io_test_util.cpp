#include "io/io_test_util.hpp"

#include "support/s1.hpp"

namespace flashmm::testing {

WholeMatrix reference_s1() {
  WholeMatrix m;
  m.genes = s1().genes;
  m.cells = s1().cells;
  Compressed<double> csr = s1_csr<double>();
  m.indptr = std::move(csr.indptr);
  m.indices = std::move(csr.indices);
  m.values = std::move(csr.values);
  return m;
}

}  // namespace flashmm::testing
