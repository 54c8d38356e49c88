#pragma once
// The differential-expression table: for every tested term or contrast and every gene, the
// estimate, its test and the Benjamini-Hochberg FDR within that term or contrast, computed over
// converged genes only (others get NA), as a user of limma's topTable would expect.
#include <flashmm/contrast.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/tests.hpp>

#include <string>
#include <vector>

namespace flashmm {

struct DeTest {
  std::string name;
  Eigen::VectorXd coef, se, t, df, p, fdr;  ///< one entry per gene
};

struct DeTable {
  std::vector<std::string> genes;
  std::vector<bool> converged;  ///< per gene
  std::vector<DeTest> tests;
};

/// Tests each contrast on every gene of the fit.
DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts,
                 Alternative alternative = Alternative::two_sided);

}  // namespace flashmm
