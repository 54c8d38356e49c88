#include <flashmm/error.hpp>
#include <flashmm/hypothesis_tests.hpp>
#include <flashmm/satterthwaite.hpp>

#include "util/parallel.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>  // beta()

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace flashmm {

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

// Boost promotes double arithmetic to long double by default, which makes the t distribution
// about 8 times slower (x87 code) for no accuracy we need: the double-only policy still agrees
// with R's pt() to ~1e-13 relative, and the fit computes p x G of these.
using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

void check_shape(const Eigen::MatrixXd& m, Eigen::Index rows, Eigen::Index cols, const char* what) {
  if (m.rows() != rows || m.cols() != cols)
    throw InputError(std::string("the fit's ") + what + " is " + std::to_string(m.rows()) + " x " +
                     std::to_string(m.cols()) + ", expected " + std::to_string(rows) + " x " + std::to_string(cols));
}

/// Lower and upper tail of a distribution at x; the upper one through the complement so that it
/// keeps relative accuracy far out (1 - cdf would round to 0 below ~1e-16).
template <class Dist>
double tail_p(const Dist& dist, double x, Alternative alternative) {
  namespace bm = boost::math;
  switch (alternative) {
    case Alternative::less: return bm::cdf(dist, x);
    case Alternative::greater: return bm::cdf(bm::complement(dist, x));
    case Alternative::two_sided: return 2 * bm::cdf(bm::complement(dist, std::abs(x)));
  }
  return nan_value;
}

/// p for an infinite statistic (Boost rejects those as arguments).
double infinite_p(double x, Alternative alternative) {
  switch (alternative) {
    case Alternative::less: return x < 0 ? 0.0 : 1.0;
    case Alternative::greater: return x > 0 ? 0.0 : 1.0;
    case Alternative::two_sided: return 0.0;
  }
  return nan_value;
}

/// P(T > |t|) for |t| so large that t^2 overflows, where Boost's students_t gives 0 although
/// the tail (~ |t|^-df) may still be a double: the leading term of I_x(df/2, 1/2) / 2 at
/// x = df / t^2, r^df / (df B(df/2, 1/2)) with r = sqrt(df) / |t|, taken in logs because r^2
/// underflows. The terms dropped are O(df / t^2), below 1e-300 relative here.
double huge_t_upper_tail(double t, double df) {
  const double log_r = std::log(std::sqrt(df)) - std::log(std::abs(t));
  return std::exp(df * log_r - std::log(df * boost::math::beta(df / 2, 0.5)));
}

void check_contrasts(const LmmFit& fit, const std::vector<Contrast>& contrasts) {
  for (const auto& c : contrasts)
    if (c.weights.size() != fit.n_fixed())
      throw InputError("contrast '" + c.name + "' has " + std::to_string(c.weights.size()) +
                       " weights but the fit has " + std::to_string(fit.n_fixed()) + " coefficients");
}

}  // namespace

const char* to_string(Alternative alternative) {
  switch (alternative) {
    case Alternative::two_sided: return "two.sided";
    case Alternative::less: return "less";
    case Alternative::greater: return "greater";
  }
  return "?";
}

Alternative parse_alternative(std::string_view text) {
  if (text == "two.sided" || text == "two-sided" || text == "two_sided") return Alternative::two_sided;
  if (text == "less") return Alternative::less;
  if (text == "greater") return Alternative::greater;
  throw InputError("unknown alternative '" + std::string(text) + "': use two.sided, less or greater");
}

double t_test_p(double t, double df, Alternative alternative) {
  if (std::isnan(t) || std::isnan(df) || df <= 0) return nan_value;
  // Boost wants finite arguments: an infinite t is certain; infinite df is the normal limit.
  if (std::isinf(t)) return infinite_p(t, alternative);
  if (std::isinf(df)) return z_test_p(t, alternative);
  if (df > 4e5) {
    // R's pt() switches to this normal approximation (Abramowitz & Stegun 26.7.8) for large df;
    // doing the same keeps p-values equal to R's, and it is much faster than the beta integral.
    const double v = 1.0 / (4.0 * df);
    return z_test_p(t * (1.0 - v) / std::sqrt(1.0 + t * t * 2.0 * v), alternative);
  }
  if (std::abs(t) > 1e150) {
    const double tail = huge_t_upper_tail(t, df);
    switch (alternative) {
      case Alternative::less: return t < 0 ? tail : 1.0;  // 1 - tail rounds to 1
      case Alternative::greater: return t > 0 ? tail : 1.0;
      case Alternative::two_sided: return 2 * tail;
    }
  }
  return tail_p(boost::math::students_t_distribution<double, DoublePolicy>(df), t, alternative);
}

double z_test_p(double z, Alternative alternative) {
  if (std::isnan(z)) return nan_value;
  if (std::isinf(z)) return infinite_p(z, alternative);
  return tail_p(boost::math::normal_distribution<double, DoublePolicy>(), z, alternative);
}

namespace {

// The coefficient a contrast tests alone (weights exactly e_j), or -1.
Eigen::Index unit_coefficient(const Eigen::VectorXd& w) {
  Eigen::Index j = 0;
  if (w.size() == 0 || w.cwiseAbs().maxCoeff(&j) != 1.0 || w(j) != 1.0 || w.cwiseAbs().sum() != 1.0) return -1;
  return j;
}

// The tests of contrasts already checked against the fit: L = contrast_matrix(contrasts), df
// contrasts x genes. Genes are split over threads; each number depends on its gene and contrast
// only, so the bits do not depend on the threads.
ContrastTests contrast_tests(const LmmFit& fit, const std::vector<Contrast>& contrasts, const Eigen::MatrixXd& L,
                             const Eigen::MatrixXd& df, Alternative alternative, int threads) {
  const Eigen::Index p = fit.n_fixed();
  const Eigen::Index genes = fit.n_genes();
  const auto m = static_cast<Eigen::Index>(contrasts.size());
  ContrastTests out;
  out.alternative = alternative;
  for (const auto& c : contrasts) out.names.push_back(c.name);
  out.df = df;
  out.se.resize(m, genes);
  out.t.resize(m, genes);
  out.p.resize(m, genes);
  out.estimate.resize(m, genes);
  if (m == 0) return out;
  // A test of one coefficient is the fit's own: coef, se = sqrt(cov_jj) and t are the fit's, and
  // so is p where the df are the fit's (the same function of the same t and df). That saves a
  // p x p product and a t distribution per gene and test, which are most of de's testing. A fit
  // assembled without se, t, p or df (from other software's output) takes the general route.
  const auto held = [&](const Eigen::MatrixXd& a) { return a.rows() == p && a.cols() == genes; };
  const bool own = held(fit.se) && held(fit.t) && held(fit.p) && held(fit.df);
  std::vector<Eigen::Index> unit(static_cast<std::size_t>(m), -1);
  if (own)
    for (Eigen::Index j = 0; j < m; ++j) unit[static_cast<std::size_t>(j)] = unit_coefficient(L.col(j));
  detail::parallel_for_blocks(genes, threads, 64, [&](Eigen::Index g0, Eigen::Index g1) {
    Eigen::VectorXd cov_l(p);
    for (Eigen::Index g = g0; g < g1; ++g) {
      for (Eigen::Index j = 0; j < m; ++j) {
        const Eigen::Index c = unit[static_cast<std::size_t>(j)];
        if (c >= 0) {
          out.estimate(j, g) = fit.coef(c, g);
          out.se(j, g) = fit.se(c, g);
          out.t(j, g) = fit.t(c, g);
          // Bitwise the same df (NaN never is): the fit's p-value is this test's.
          const bool same = alternative == Alternative::two_sided && df(j, g) == fit.df(c, g);
          out.p(j, g) = same ? fit.p(c, g) : t_test_p(out.t(j, g), df(j, g), alternative);
          continue;
        }
        // Each contrast on its own: its numbers must not depend on which other contrasts are
        // tested with it (a matrix product over all of them may block and vectorise differently).
        out.estimate(j, g) = L.col(j).dot(fit.coef.col(g));
        cov_l.noalias() = fit.cov_of(g) * L.col(j);
        const double se = std::sqrt(L.col(j).dot(cov_l));
        const double t = out.estimate(j, g) / se;
        out.se(j, g) = se;
        out.t(j, g) = t;
        out.p(j, g) = t_test_p(t, df(j, g), alternative);
      }
    }
  });
  return out;
}

}  // namespace

Eigen::MatrixXd contrast_df(const LmmFit& fit, const std::vector<Contrast>& contrasts, DfMethod method, int threads) {
  check_contrasts(fit, contrasts);
  const auto m = static_cast<Eigen::Index>(contrasts.size());
  Eigen::MatrixXd df = Eigen::MatrixXd::Constant(m, fit.n_genes(), static_cast<double>(fit.n - fit.n_fixed()));
  if (method == DfMethod::residual) return df;
  // A test of one coefficient whose Satterthwaite df the fit already holds reuses them; the
  // others (real contrasts) are computed here, once, from the fit's context.
  std::vector<Contrast> rest;
  std::vector<Eigen::Index> rest_rows;
  for (Eigen::Index c = 0; c < m; ++c) {
    const Eigen::Index j = unit_coefficient(contrasts[static_cast<std::size_t>(c)].weights);
    if (fit.df_method == DfMethod::satterthwaite && j >= 0) {
      df.row(c) = fit.df.row(j);
    } else {
      rest.push_back(contrasts[static_cast<std::size_t>(c)]);
      rest_rows.push_back(c);
    }
  }
  if (!rest.empty()) {
    const Eigen::MatrixXd computed = satterthwaite_df(fit, rest, threads);
    for (std::size_t r = 0; r < rest_rows.size(); ++r) df.row(rest_rows[r]) = computed.row(static_cast<Eigen::Index>(r));
  }
  return df;
}

ContrastTests test_contrasts(const LmmFit& fit, const std::vector<Contrast>& contrasts, Alternative alternative,
                             int threads) {
  return test_contrasts(fit, contrasts, contrast_df(fit, contrasts, fit.df_method, threads), alternative, threads);
}

ContrastTests test_contrasts(const LmmFit& fit, const std::vector<Contrast>& contrasts, const Eigen::MatrixXd& df,
                             Alternative alternative, int threads) {
  const Eigen::Index p = fit.n_fixed();
  const Eigen::Index genes = fit.n_genes();
  const auto m = static_cast<Eigen::Index>(contrasts.size());
  check_shape(fit.cov, p * p, genes, "cov");
  check_shape(fit.coef, p, genes, "coef");
  check_contrasts(fit, contrasts);
  if (df.rows() != m || df.cols() != genes)
    throw InputError("the degrees of freedom are " + std::to_string(df.rows()) + " x " + std::to_string(df.cols()) +
                     ", expected contrasts x genes = " + std::to_string(m) + " x " + std::to_string(genes));
  return contrast_tests(fit, contrasts, contrast_matrix(contrasts), df, alternative, threads);
}

VarianceComponentTests test_variance_components(const LmmFit& fit) {
  const Eigen::Index rows = fit.theta.rows();
  check_shape(fit.se_theta, rows, fit.theta.cols(), "se_theta");
  VarianceComponentTests out;
  const auto k = static_cast<std::size_t>(std::max<Eigen::Index>(rows - 1, 0));
  for (std::size_t i = 0; i < k; ++i)
    out.names.push_back(fit.component_names.size() == k ? fit.component_names[i] : "var" + std::to_string(i + 1));
  if (rows > 0) out.names.push_back("residual");
  out.z = fit.theta.array() / fit.se_theta.array();
  out.p = out.z.unaryExpr([](double z) { return z_test_p(z, Alternative::greater); });
  return out;
}

std::vector<double> p_adjust_bh(std::span<const double> p) {
  std::vector<double> out(p.size(), nan_value);
  std::vector<std::size_t> order;
  order.reserve(p.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  // R: i <- n:1; o <- order(p, decreasing = TRUE); pmin(1, cummin(n / i * p[o]))[order(o)].
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  const auto n = static_cast<double>(order.size());
  double running = std::numeric_limits<double>::infinity();
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto rank = static_cast<double>(order.size() - r);
    running = std::min(running, n / rank * p[order[r]]);
    out[order[r]] = std::min(1.0, running);
  }
  return out;
}

std::vector<double> p_adjust_bonferroni(std::span<const double> p) {
  const auto n = static_cast<double>(std::count_if(p.begin(), p.end(), [](double x) { return !std::isnan(x); }));
  std::vector<double> out(p.size());
  std::transform(p.begin(), p.end(), out.begin(), [n](double x) { return std::isnan(x) ? x : std::min(1.0, n * x); });
  return out;
}

}  // namespace flashmm
