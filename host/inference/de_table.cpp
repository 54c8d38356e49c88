#include <flashmm/de_table.hpp>

#include "fit/fit_context.hpp"

#include <cmath>

namespace flashmm {

namespace {

DeTable make_table(const LmmFit& fit, const ContrastTests& tests) {
  DeTable table;
  table.genes = fit.gene_names;
  const Index G = fit.n_genes();
  for (Index g = 0; g < G; ++g) table.converged.push_back(fit.converged(g));
  table.mean = table.nonzero_fraction = Eigen::VectorXd::Constant(G, std::nan(""));
  if (fit.context && fit.context->stats().n > 0) {
    // Accumulated with the statistics, in the same pass over the cells.
    const SummaryStats& s = fit.context->stats();
    const auto n = static_cast<double>(s.n);
    if (s.Ysum.size() == G) table.mean = s.Ysum / n;
    if (s.nnz.size() == G) table.nonzero_fraction = s.nnz.cast<double>() / n;
  }
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

DeTable de_table(const LmmFit& fit, const std::vector<Contrast>& contrasts, DfMethod df, Alternative alternative,
                 int threads) {
  return make_table(fit, test_contrasts(fit, contrasts, contrast_df(fit, contrasts, df, threads), alternative, threads));
}

}  // namespace flashmm
