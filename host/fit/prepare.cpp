// Design-side quantities shared by all genes (ALGORITHM.md section 3).
#include <flashmm/error.hpp>

#include "fit/prepared.hpp"
#include "util/columnwise.hpp"

#include <cmath>
#include <sstream>

namespace flashmm::detail {

namespace {

// Names the columns of X that take part in a linear dependency, so that the user can see which
// terms of the formula to drop.
[[noreturn]] void throw_rank_error(const SummaryStats& s) {
  Eigen::FullPivLU<Eigen::MatrixXd> lu(s.XX);
  lu.setThreshold(1e-10);
  const Eigen::MatrixXd kernel = lu.kernel();
  std::ostringstream msg;
  msg << "X is not of full column rank";
  bool intercept_involved = false;
  if (kernel.cols() > 0 && kernel.norm() > 0) {
    msg << ": these columns are linearly dependent: ";
    const Eigen::VectorXd v = kernel.col(0);
    const double vmax = v.cwiseAbs().maxCoeff();
    bool first = true;
    for (Eigen::Index j = 0; j < v.size(); ++j) {
      if (std::abs(v(j)) > 1e-8 * vmax) {
        msg << (first ? "" : ", ") << "'" << s.fixed_names[static_cast<std::size_t>(j)] << "'";
        intercept_involved = intercept_involved || s.fixed_names[static_cast<std::size_t>(j)] == "(Intercept)";
        first = false;
      }
    }
    if (kernel.cols() > 1) msg << " (and " << kernel.cols() - 1 << " more dependencies)";
  }
  // Suggest '0 +' only where the intercept is one of the dependent columns; otherwise the usual
  // cause is a numeric column of labels (cluster ids) entering as a slope beside a factor.
  if (intercept_involved)
    msg << "; remove a redundant term from the fixed-effects formula (for example the intercept, "
           "with '0 +', when all levels of a factor are present)";
  else
    msg << "; remove a redundant term from the fixed-effects formula; if a numeric column among them holds labels "
           "(cluster ids), make it categorical";
  throw InputError(msg.str());
}

// A variance component is identifiable only when its columns of Z carry information that X does
// not: with one column (one level) there is a single draw of the effect, and when every column
// lies in the span of X (the same term among the fixed effects, or a one-level factor beside an
// intercept) zrz's block of the component vanishes and the likelihood does not depend on it.
void check_identifiable(const SummaryStats& s, const Eigen::MatrixXd& zrz) {
  Index off = 0;
  for (int c = 0; c < s.k(); ++c) {
    const Index d = s.d[static_cast<std::size_t>(c)];
    const std::string name = s.component_names.empty() ? "component " + std::to_string(c + 1)
                                                       : "'" + s.component_names[static_cast<std::size_t>(c)] + "'";
    if (d < 2)
      throw InputError("the random component " + name + " has a single column (" +
                       (s.random_names.empty() ? std::string("one level") : "'" + s.random_names[static_cast<std::size_t>(off)] + "'") +
                       "): its variance cannot be estimated from one draw of the effect; a random effect needs a "
                       "factor with at least two levels (e.g. '~ 0 + sam'), or model the term as a fixed effect");
    const double zz = s.ZZ.block(off, off, d, d).diagonal().cwiseAbs().maxCoeff();
    const double resid = zrz.block(off, off, d, d).diagonal().cwiseAbs().maxCoeff();
    if (!(resid > 1e-10 * zz))
      throw InputError("the random component " + name +
                       " is not identifiable: every one of its columns lies in the span of the fixed-effects columns "
                       "(the same term is among the fixed effects, or the factor does not vary beyond them), so its "
                       "variance cannot be estimated; remove it from the random effects or the term from the fixed "
                       "effects");
    off += d;
  }
}

}  // namespace

Prepared prepare(const SummaryStats& stats, const LmmOptions& options) {
  stats.validate();
  Prepared pre;
  pre.stats = &stats;
  pre.method = options.method;
  pre.n = stats.n;
  pre.p = stats.p();
  pre.q = stats.q();
  pre.genes = stats.genes();
  pre.k = stats.k();
  pre.pres = options.method == Method::reml ? static_cast<int>(pre.p) : 0;
  pre.threads = options.threads;

  if (pre.p < 1) throw InputError("the fixed-effects design X has no columns");
  if (pre.k < 1) throw InputError("the model needs at least one random component");
  if (pre.p >= pre.n)
    throw InputError("X has " + std::to_string(pre.p) + " columns but there are only " + std::to_string(pre.n) +
                     " cells: p must be smaller than n");
  if (pre.q >= pre.n)
    throw InputError("Z has " + std::to_string(pre.q) + " columns but there are only " + std::to_string(pre.n) +
                     " cells: q must be smaller than n");
  if (options.max_iter < 1) throw OptionError("max_iter", "max_iter must be at least 1 (got " + std::to_string(options.max_iter) + ")");
  if (!(options.epsilon > 0) || !std::isfinite(options.epsilon))
    throw OptionError("epsilon", "epsilon must be a positive number");
  if (!options.theta0.empty()) {
    if (static_cast<int>(options.theta0.size()) != pre.k + 1)
      throw OptionError("theta0", "theta0 needs " + std::to_string(pre.k + 1) + " values (one per random component, then the "
                       "residual variance), got " + std::to_string(options.theta0.size()));
    for (double v : options.theta0)
      if (!std::isfinite(v)) throw OptionError("theta0", "theta0 holds a value that is not finite");
    if (!(options.theta0.back() > 0)) throw OptionError("theta0", "the residual variance in theta0 (its last value) must be > 0");
    if (options.nonnegative)
      for (std::size_t i = 0; i + 1 < options.theta0.size(); ++i)
        if (options.theta0[i] < 0)
          throw OptionError("theta0", "theta0 holds a negative variance component but the option nonnegative keeps them >= 0: "
                           "start at values >= 0 or turn nonnegative off");
  }

  for (int c = 0; c < pre.k; ++c)
    for (int j = 0; j < stats.d[static_cast<std::size_t>(c)]; ++j) pre.component.push_back(c);

  Eigen::LLT<Eigen::MatrixXd> llt(stats.XX);
  if (llt.info() != Eigen::Success) throw_rank_error(stats);
  {
    // A Cholesky factor can exist for a numerically singular XX; R's chol() then still succeeds
    // but the fit is meaningless. Check the rank with a rank-revealing factorisation too.
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(stats.XX);
    qr.setThreshold(1e-12);
    if (qr.rank() < pre.p) throw_rank_error(stats);
  }
  pre.XXinv = llt.solve(Eigen::MatrixXd::Identity(pre.p, pre.p));
  const Eigen::MatrixXd xxz = pre.XXinv * stats.ZX.transpose();  // p x q
  pre.zrz = stats.ZZ - stats.ZX * xxz;
  check_identifiable(stats, pre.zrz);
  // Per gene, one column at a time (columnwise_product): a gene's quantities do not depend on the
  // other genes.
  const Eigen::MatrixXd xxinv_xy = columnwise_product(pre.XXinv, stats.XY, options.threads);  // p x G
  pre.zry = stats.ZY - columnwise_product(stats.ZX, xxinv_xy, options.threads);
  pre.yry = stats.Ynorm - (stats.XY.array() * xxinv_xy.array()).colwise().sum().transpose().matrix();
  return pre;
}

}  // namespace flashmm::detail
