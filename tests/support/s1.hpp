#pragma once
// The s1 reference data set (60 genes x 4000 cells) with hand-built designs for the fixture
// models, so that the core-engine tests do not depend on the formula parser.
#include <flashmm/summary_stats.hpp>

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

}  // namespace flashmm::testing
