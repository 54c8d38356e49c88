#pragma once
// Assertions shared by the tests: errors with their messages, matrices and whole fits compared.
#include <flashmm/error.hpp>
#include <flashmm/lmm.hpp>
#include <flashmm/summary_stats.hpp>

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <string>
#include <vector>

namespace flashmm::testing {

/// The message of the E that f() throws, or "" when it throws nothing.
template <class E = Error, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

/// f() must throw an E whose message contains every one of `parts`.
template <class E = Error, class F>
void expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing: " << (parts.empty() ? std::string() : parts.front());
  } catch (const E& e) {
    const std::string m = e.what();
    for (const auto& part : parts) EXPECT_NE(m.find(part), std::string::npos) << "no '" << part << "' in: " << m;
  }
}

/// Two summary statistics with the same n and the same bits in every array.
void expect_equal_bits(const SummaryStats& a, const SummaryStats& b);

/// Same shape, and every entry near_relative within tol.
void expect_matrix_near(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol, const char* what);

/// Two fits of the same statistics gene by gene: shapes, warnings, niter and status equal; every
/// output (coef, se, t, p, df, cov, theta, se_theta, dlogL, fim_theta, fim_beta, blup) within tol
/// relative or below abs_floor absolute; logLik within tol relative. with_dlogL = false leaves out
/// the score at the estimate, which is ~0 at convergence and so only comparable between fits that
/// run the same arithmetic (not the spectral against the general path).
void expect_fits_near(const LmmFit& a, const LmmFit& b, double tol, double abs_floor = 0, bool with_dlogL = true);

/// A fit of the device's arithmetic (the GPU, or its CPU emulation: Cholesky where the CPU takes
/// LU, other summation orders) against the CPU's, gene by gene: niter, status and warnings equal;
/// theta, se_theta, fim_theta and logLik within tol relative; the score at the estimate, a
/// difference of terms of the size of F_ii theta_i that cancel to ~epsilon, within tol times that
/// size; the fixed-effects outputs within tol, and the BLUP within 100 tol times the gene's
/// largest |BLUP| (RE = Mb (ZY - ZX b) subtracts the fitted sample sums from the observed ones,
/// which amplifies the coefficients' rounding by the ratio of those sums to their difference).
/// A gene that did not converge (where the iterations stopped the likelihood has no maximum,
/// typically with a negative component making I + D ZZ nearly singular) amplifies the ~1e-13
/// differences of its theta in the fixed-effects step and in the information at its estimate
/// (F there has entries up to 1e14): its fixed-effects outputs, fim_theta and se_theta are held
/// to unconverged_tol.
void expect_device_fit_near(const LmmFit& device, const LmmFit& cpu, double tol, double unconverged_tol = 1e-7);

}  // namespace flashmm::testing
