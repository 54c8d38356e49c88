#include "fit/structured_basis.hpp"

#include <algorithm>

namespace flashmm::detail {

namespace {


StructuredSplit split_of(const Eigen::MatrixXd& a, const std::vector<Index>& cols_l, const std::vector<Index>& cols_s) {
  StructuredSplit s;
  const Eigen::MatrixXd all = a(cols_l, cols_l);
  const Eigen::MatrixXd als = a(cols_l, cols_s);
  s.R = a(cols_s, cols_s);
  s.R = (s.R + s.R.transpose()).eval() / 2;  // the algebra takes A_SS as symmetric
  if (is_diagonal(all)) {
    // One-hot sample indicators: ZZ's block is diagonal (cells per sample), U = I.
    s.identity = true;
    s.e = all.diagonal();
    s.P = als;
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig((all + all.transpose()) / 2);
    s.e = eig.eigenvalues();
    s.U = eig.eigenvectors();
    s.P = s.U.transpose() * als;
  }
  const int qs = static_cast<int>(cols_s.size());
  s.PP.resize(s.P.rows(), structured_pairs(qs));
  for (Index i = 0; i < s.P.rows(); ++i)
    for (int c = 0; c < qs; ++c)
      for (int x = c; x < qs; ++x) s.PP(i, structured_pair(x, c, qs)) = s.P(i, x) * s.P(i, c);
  return s;
}

}  // namespace

StructuredBasis::StructuredBasis(const Prepared& pre) {
  const SummaryStats& st = *pre.stats;
  // The large component: the one with most columns (the first of equals).
  for (int c = 1; c < pre.k; ++c)
    if (st.d[static_cast<std::size_t>(c)] > st.d[static_cast<std::size_t>(large)]) large = c;
  for (Index a = 0; a < pre.q; ++a) {
    const int c = pre.component[static_cast<std::size_t>(a)];
    if (c == large) {
      cols_l.push_back(a);
    } else {
      cols_s.push_back(a);
      small_theta.push_back(c);
    }
  }
  q1 = static_cast<Index>(cols_l.size());
  qs = static_cast<Index>(cols_s.size());
  zrz = split_of(pre.zrz, cols_l, cols_s);
  zz = split_of(st.ZZ, cols_l, cols_s);
  xl = zz.rotate(st.ZX(cols_l, Eigen::all));
  xs = st.ZX(cols_s, Eigen::all);
}

StructuredModel StructuredBasis::model(const Prepared& pre) const {
  StructuredModel m;
  m.q1 = static_cast<int>(q1);
  m.qs = static_cast<int>(qs);
  m.k = pre.k;
  m.large = large;
  m.small_theta = small_theta.data();
  m.zrz = zrz.block();
  m.score_is_zrz = pre.method == Method::reml;
  m.score = m.score_is_zrz ? zrz.block() : zz.block();
  m.n_eff = static_cast<double>(pre.n - pre.pres - pre.q);
  m.n_minus_pres = static_cast<double>(pre.n - pre.pres);
  return m;
}

Eigen::VectorXd StructuredBasis::to_structured(const StructuredSplit& split, const Eigen::VectorXd& v) const {
  Eigen::VectorXd out(q1 + qs);
  out.head(q1) = split.rotate(v(cols_l));
  out.tail(qs) = v(cols_s);
  return out;
}

Eigen::VectorXd StructuredBasis::from_structured(const StructuredSplit& split, const Eigen::VectorXd& v) const {
  Eigen::VectorXd out(q1 + qs);
  out(cols_l) = split.identity ? Eigen::VectorXd(v.head(q1)) : Eigen::VectorXd(split.U * v.head(q1));
  out(cols_s) = v.tail(qs);
  return out;
}

bool structured_pays(const std::vector<int>& d) {
  if (d.size() < 2) return false;
  const double q1 = *std::max_element(d.begin(), d.end());
  double q = 0;
  for (int x : d) q += x;
  const double qs = q - q1;
  // Flops of one evaluation: the structured form's Gram matrices (4 q1 qs^2) and small dense
  // products (about 6 qs^3); the dense form's LU, inverse and products (about 4 q^3).
  return 4 * q1 * qs * qs + 6 * qs * qs * qs < 4 * q * q * q;
}

}  // namespace flashmm::detail
