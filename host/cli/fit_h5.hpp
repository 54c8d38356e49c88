#pragma once
// Internal: the whole fit as one HDF5 file (fit.h5) for programs that want every array.
#include <flashmm/lmm.hpp>

#include <string>
#include <vector>

namespace flashmm::cli {

/// Writes fit.h5 at `path`. Per-gene arrays are stored gene-major (C order, genes first), so a
/// reader in numpy gets fit["coef"][g] as gene g's p coefficients: coef/se/t/p/df (G x p),
/// cov/fim_beta (G x p x p), theta/se_theta/dlogL (G x (k+1)), fim_theta (G x (k+1) x (k+1)),
/// blup (G x q), logLik/niter/converged (G). Names are string datasets fixed_names,
/// random_names, component_names, genes; the options are attributes of the root group.
void write_fit_h5(const std::string& path, const LmmFit& fit, const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace flashmm::cli
