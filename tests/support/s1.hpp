#pragma once
// The s1 reference data set (60 genes x 4000 cells) with hand-built designs for the fixture
// models, so that the core-engine tests do not depend on the formula parser.
#include <flashmm/summary_stats.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flashmm::testing {

struct S1Data {
  Eigen::MatrixXd counts;                 ///< cells x genes
  std::vector<std::string> genes, cells;
  std::vector<std::string> sam, cls, trt, batch;  ///< per cell
  std::vector<double> libsize, age;
};
const S1Data& s1();

/// A design: X dense (cells x p), Z sparse (cells x q) with names and components.
struct S1Design {
  RowMatrixXd X;
  SparseRowMatrix Z;
  std::vector<std::string> fixed_names, random_names, component_names;
  std::vector<int> d;
};
/// fixed: "main" = ~ 0 + log(libsize) + cls + cls:trt; "intercept" = ~ log(libsize) + age + cls + cls:trt.
/// random: "sam" or "sam+batch" (two components).
S1Design s1_design(const std::string& fixed, const std::string& random);

/// Zero summary statistics shaped and named for a design and the s1 genes.
SummaryStats s1_shape(const S1Design& design);

/// Summary statistics of s1 with Y = log2(1 + counts) for a design.
SummaryStats s1_stats(const S1Design& design, int threads = 0);

/// s1_stats(s1_design("main", random)), computed once per random ("sam" or "sam+batch").
const SummaryStats& s1_main_stats(const std::string& random);

/// A compressed (CSR or CSC) copy of a dense matrix with values of type T.
template <class T>
struct Compressed {
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices;
  std::vector<T> values;

  /// As a CsrView<T> or CscView<T> of a rows x cols matrix.
  template <class View>
  View view(Index rows, Index cols) const {
    View v;
    v.rows = rows;
    v.cols = cols;
    v.indptr = indptr;
    v.indices = indices;
    v.values = values;
    return v;
  }
};

/// y's nonzeros by row (CSR, by_row) or by column (CSC), minor indices ascending.
template <class T>
Compressed<T> compress(const Eigen::MatrixXd& y, bool by_row) {
  Compressed<T> c;
  const Index major = by_row ? y.rows() : y.cols(), minor = by_row ? y.cols() : y.rows();
  for (Index m = 0; m < major; ++m) {
    for (Index k = 0; k < minor; ++k) {
      const double v = by_row ? y(m, k) : y(k, m);
      if (v != 0) {
        c.indices.push_back(static_cast<std::int32_t>(k));
        c.values.push_back(static_cast<T>(v));
      }
    }
    c.indptr.push_back(static_cast<std::int64_t>(c.values.size()));
  }
  return c;
}

/// The s1 counts as cells x genes CSR of type T (counts are integers, exact in every type).
template <class T>
Compressed<T> s1_csr() {
  return compress<T>(s1().counts, true);
}

}  // namespace flashmm::testing
