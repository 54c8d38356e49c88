#include <flashmm/de_table.hpp>
#include <flashmm/satterthwaite.hpp>

#include <cmath>

namespace flashmm {

namespace {

DeTable make_table(const LmmFit& fit, const ContrastTests& tests) {
  DeTable table;
  table.genes = fit.gene_names;
  const Index G = fit.n_genes();
  for (Index g = 0; g < G; ++g) table.converged.push_back(fit.converged(g));
  for (std::size_t m = 0; m < tests.names.size(); ++m) {
    const auto row = static_cast<Index>(m);
    DeTest t;
    t.name = tests.names[m];
    t.coef = tests.estimate.row(row).transpose();
    t.se = tests.se.row(row).transpose();
    t.t = tests.t.row(row).transpose();
    t.df = tests.df.row(row).transpose();
    t.p = tests.p.row(row).transpose();
    // FDR over converged genes: a diverged fit's p-value must not enter the multiplicity count.
    std::vector<double> p_converged(static_cast<std::size_t>(G));
    for (Index g = 0; g < G; ++g) p_converged[static_cast<std::size_t>(g)] = table.converged[static_cast<std::size_t>(g)] ? t.p(g) : std::nan("");
    const std::vector<double> fdr = p_adjust_bh(p_converged);
    t.fdr = Eigen::Map<const Eigen::VectorXd>(fdr.data(), G);
    table.tests.push_back(std::move(t));
  }
  return table;
}

}  // namespace

DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts, Alternative alternative) {
  return make_table(fit, test_contrasts(fit, contrasts, alternative));
}

DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts, const SummaryStats& stats, DfMethod df,
                 Alternative alternative, int threads) {
  const auto m = static_cast<Index>(contrasts.size());
  Eigen::MatrixXd df_matrix = Eigen::MatrixXd::Constant(m, fit.n_genes(), static_cast<double>(fit.n - fit.n_fixed()));
  if (df == DfMethod::satterthwaite) {
    // A test of one coefficient whose Satterthwaite df the fit already holds reuses them; the
    // others (real contrasts) are computed here, once.
    std::vector<Contrast> rest;
    std::vector<Index> rest_rows;
    for (Index c = 0; c < m; ++c) {
      const Eigen::VectorXd& w = contrasts[static_cast<std::size_t>(c)].weights;
      Index j = 0;
      const bool unit = fit.df_method == DfMethod::satterthwaite && w.cwiseAbs().maxCoeff(&j) == 1.0 &&
                        w(j) == 1.0 && w.cwiseAbs().sum() == 1.0;
      if (unit) {
        df_matrix.row(c) = fit.df.row(j);
      } else {
        rest.push_back(contrasts[static_cast<std::size_t>(c)]);
        rest_rows.push_back(c);
      }
    }
    if (!rest.empty()) {
      const Eigen::MatrixXd computed = satterthwaite_df(stats, fit, rest, threads);
      for (std::size_t r = 0; r < rest_rows.size(); ++r) df_matrix.row(rest_rows[r]) = computed.row(static_cast<Index>(r));
    }
  }
  return make_table(fit, test_contrasts(fit, contrasts, df_matrix, alternative));
}

}  // namespace flashmm
