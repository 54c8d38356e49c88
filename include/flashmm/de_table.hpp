#pragma once
// The differential-expression table: for every tested term or contrast and every gene, the
// estimate, its test and the Benjamini-Hochberg FDR within that term or contrast, computed over
// converged genes only (others get NA), as a user of limma's topTable would expect.
#include <flashmm/contrast.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/hypothesis_tests.hpp>

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
  /// Per gene (G), over the model's cells: the mean of the modelled values (Ysum / n: on the
  /// log2(1 + count) scale with the default transform, as limma's AveExpr) and the fraction of
  /// cells with a nonzero count (nnz / n). NaN where the fit keeps no statistics.
  Eigen::VectorXd mean, nonzero_fraction;
  std::vector<DeTest> tests;
};

/// Tests each contrast on every gene of the fit, with the df of the fit's own method
/// (test_contrasts(fit, contrasts): n - p, or each contrast's Satterthwaite df for a fit made
/// with them).
DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts,
                 Alternative alternative = Alternative::two_sided);

/// The same with the df method chosen (contrast_df): residual = n - p; satterthwaite = each
/// contrast's own Satterthwaite df, from the fit's context. threads: for the df and the tests (0: all).
DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts, DfMethod df,
                 Alternative alternative = Alternative::two_sided, int threads = 0);

}  // namespace flashmm
