#pragma once
// A fit as a file (DIR/fit.h5 of flashmm de and fit): every array of LmmFit with its names and
// the options used, so that more contrasts can be tested later without refitting.
#include <flashmm/lmm.hpp>

#include <map>
#include <string>

namespace flashmm::io {

/// Free-form provenance stored as string attributes (formulas, transform, input, version...).
using FitProvenance = std::map<std::string, std::string>;

/// Layout (HDF5; matrices 2-D row-major with genes as the first axis):
///   attributes format="flashmm-fit", version=1, method, n, epsilon, max_iter, option_names and
///   option_values (the provenance);
///   coef, se, t, p, df (G x p); theta, se_theta, dlogL (G x (k+1)); blup (G x q);
///   cov, fim_beta (G x p x p); fim_theta (G x (k+1) x (k+1)); logLik (G); niter (G);
///   status (G, strings); d (k); fixed_names, random_names, component_names, gene_names.
/// Written through a temporary name renamed at the end.
void write_fit(const std::string& path, const LmmFit& fit, const FitProvenance& provenance = {});

/// Reads a file written by write_fit; IoError naming the file when it is not one.
LmmFit read_fit(const std::string& path, FitProvenance* provenance = nullptr);

}  // namespace flashmm::io
