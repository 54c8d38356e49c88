#pragma once
// Hypothesis tests on a fit (ALGORITHM.md section 4): t tests of contrasts of the fixed
// effects (FLASHMM's lmmtest), z tests of the variance components, and p-value adjustment for
// multiple testing (R's p.adjust).
#include <flashmm/contrast.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/types.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flashmm {

/// The alternative hypothesis of a test, as R's `alternative` argument.
enum class Alternative { two_sided, less, greater };

/// "two.sided", "less", "greater" (R's spelling).
const char* to_string(Alternative alternative);
/// Accepts R's spellings and "two-sided"/"two_sided"; throws InputError otherwise.
Alternative parse_alternative(std::string_view text);

/// p-value of a Student t statistic with df degrees of freedom:
/// two_sided 2 P(T < -|t|), less P(T < t), greater P(T > t). Upper tails are computed as
/// complements, so tiny p-values keep their relative accuracy. NaN t or df, or df <= 0, give
/// NaN; df = +Inf is the normal distribution.
double t_test_p(double t, double df, Alternative alternative);

/// p-value of a standard normal statistic, with the same conventions as t_test_p.
double z_test_p(double z, Alternative alternative);

/// Tests of m contrasts on G genes. Every matrix is m x G (one row per contrast, in the order
/// given; one column per gene, in the fit's order).
struct ContrastTests {
  std::vector<std::string> names;  ///< m contrast names
  Alternative alternative = Alternative::two_sided;
  Eigen::MatrixXd estimate;        ///< L' b
  Eigen::MatrixXd se;              ///< sqrt(diag(L' cov L))
  Eigen::MatrixXd t;               ///< estimate / se
  Eigen::MatrixXd df;              ///< degrees of freedom of each test
  Eigen::MatrixXd p;               ///< p-value for the alternative
};

/// Degrees of freedom of the contrasts' t tests, m x G (one row per contrast, one column per
/// gene): residual = n - p for every contrast (FLASHMM); satterthwaite = each contrast's own
/// Satterthwaite df (a single coefficient's from fit.df when the fit holds Satterthwaite df, the
/// others from satterthwaite_df, which needs the fit's context). NaN for genes that did not
/// converge under satterthwaite. threads: for the Satterthwaite df (0: all). Throws InputError
/// when a contrast's length is not p, or satterthwaite is asked of a fit without context.
Eigen::MatrixXd contrast_df(const LmmFit& fit, const std::vector<Contrast>& contrasts, DfMethod method,
                            int threads = 0);

/// Tests each contrast in every gene, as FLASHMM's lmmtest: estimate = L'b,
/// se = sqrt(diag(L' cov L)), t = estimate / se, with the df of the fit's own method
/// (contrast_df(fit, contrasts, fit.df_method)): n - p for FLASHMM's fit, each contrast's own
/// Satterthwaite df for a fit made with them. Genes that did not converge or hold NaN are
/// computed all the same (NaN propagates): the caller decides what to report, from fit.status.
/// A contrast of one coefficient (weights e_j) reports the fit's coef, se and t of it, and its
/// p-value where the df are the fit's (for a fit that holds se, t, p and df, as fit_lmm's do).
/// threads: genes split over them (0: all); the numbers do not depend on it. Throws InputError
/// when a contrast's length is not p or the fit's arrays do not agree in shape.
ContrastTests test_contrasts(const LmmFit& fit, const std::vector<Contrast>& contrasts,
                             Alternative alternative = Alternative::two_sided, int threads = 0);

/// The same, with the degrees of freedom given per contrast and gene (m x G), e.g.
/// Satterthwaite's.
ContrastTests test_contrasts(const LmmFit& fit, const std::vector<Contrast>& contrasts,
                             const Eigen::MatrixXd& df, Alternative alternative = Alternative::two_sided,
                             int threads = 0);

/// z tests of the variance components. Every matrix is (k+1) x G, rows as fit.theta:
/// the k components, then the residual variance.
struct VarianceComponentTests {
  std::vector<std::string> names;  ///< k+1: fit.component_names (or var1..vark), then "residual"
  Eigen::MatrixXd z;               ///< theta / se_theta
  Eigen::MatrixXd p;               ///< one-sided, H1: theta > 0 (normal upper tail)
};

/// z = theta_i / se_theta_i with the one-sided p-value P(Z > z). Throws InputError when theta
/// and se_theta differ in shape.
VarianceComponentTests test_variance_components(const LmmFit& fit);

/// Benjamini-Hochberg adjusted p-values (R's p.adjust(p, "BH"), alias "fdr"). NaN entries stay
/// NaN and are not counted among the tests.
std::vector<double> p_adjust_bh(std::span<const double> p);

/// Bonferroni adjusted p-values, min(1, n p) (R's p.adjust(p, "bonferroni")); NaN entries stay
/// NaN and are not counted.
std::vector<double> p_adjust_bonferroni(std::span<const double> p);

}  // namespace flashmm
