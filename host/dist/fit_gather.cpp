#include "dist/fit_gather.hpp"

#include <flashmm/error.hpp>

#include "dist/agreement.hpp"
#include "dist/communicator.hpp"
#include "fit/pipeline.hpp"

#include <algorithm>
#include <string>

namespace flashmm::dist {

namespace {

// LmmFit's arrays with one column per gene (every one the tables and fit.h5 are written from).
std::vector<Eigen::MatrixXd*> per_gene_matrices(LmmFit& f) {
  std::vector<Eigen::MatrixXd*> m{&f.coef,  &f.se,    &f.t,        &f.p,     &f.df,        &f.cov,
                                  &f.theta, &f.se_theta, &f.dlogL, &f.fim_theta, &f.blup};
  if (f.fim_beta.size() > 0) m.push_back(&f.fim_beta);  // held only with LmmOptions::fim_beta
  return m;
}

void remove_each(std::vector<std::string>& from, const std::vector<std::string>& what) {
  for (const auto& w : what)
    if (auto it = std::find(from.begin(), from.end(), w); it != from.end()) from.erase(it);
}

}  // namespace

void gather_fit(LmmFit& fit, const std::vector<int>& owner, const LmmOptions& options) {
  const Communicator& w = world();
  if (!w.distributed()) return;
  checkpoint();
  const Index G = fit.n_genes();
  if (static_cast<Index>(owner.size()) != G)
    throw InputError("gather_fit: " + std::to_string(owner.size()) + " owners for " + std::to_string(G) +
                     " genes (internal: please report it)");
  const std::vector<Eigen::MatrixXd*> arrays = per_gene_matrices(fit);
  Index per_gene = 3;  // logLik, niter, status
  for (const auto* a : arrays) per_gene += a->rows();

  std::vector<double> mine;
  if (!w.root()) {
    for (Index g = 0; g < G; ++g) {
      if (owner[static_cast<std::size_t>(g)] != w.rank()) continue;
      for (const auto* a : arrays) mine.insert(mine.end(), a->col(g).data(), a->col(g).data() + a->rows());
      mine.push_back(fit.logLik(g));
      mine.push_back(fit.niter[static_cast<std::size_t>(g)]);
      mine.push_back(static_cast<double>(fit.status[static_cast<std::size_t>(g)]));
    }
  }
  const std::vector<std::vector<double>> parts = w.gather(mine);
  if (!w.root()) return;

  // The messages rank 0's fit counted from its own statuses go; those of all genes come instead.
  LmmFit counted;
  counted.status = fit.status;
  detail::add_fit_warnings(counted, options);
  remove_each(fit.warnings, counted.warnings);
  remove_each(fit.notes, counted.notes);

  std::vector<std::size_t> at(parts.size(), 0);
  for (Index g = 0; g < G; ++g) {
    const auto r = static_cast<std::size_t>(owner[static_cast<std::size_t>(g)]);
    if (r == 0) continue;
    const std::vector<double>& part = parts[r];
    if (at[r] + static_cast<std::size_t>(per_gene) > part.size())
      throw InputError("gather_fit: rank " + std::to_string(r) + " sent fewer genes than it owns (internal: please report it)");
    const double* v = part.data() + at[r];
    for (auto* a : arrays) {
      std::copy(v, v + a->rows(), a->col(g).data());
      v += a->rows();
    }
    fit.logLik(g) = v[0];
    fit.niter[static_cast<std::size_t>(g)] = static_cast<int>(v[1]);
    fit.status[static_cast<std::size_t>(g)] = static_cast<GeneStatus>(static_cast<int>(v[2]));
    at[r] += static_cast<std::size_t>(per_gene);
  }
  detail::add_fit_warnings(fit, options);
}

}  // namespace flashmm::dist
