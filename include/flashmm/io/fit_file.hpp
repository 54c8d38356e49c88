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
///   cov, fim_beta (G x p x p; only with FitFileOptions::fim_beta); fim_theta (G x (k+1) x (k+1));
///   logLik (G); niter (G); status (G, strings); d (k); fixed_names, random_names,
///   component_names, gene_names; attribute df_method; when the fit kept its statistics, the
///   group stats (as a stats file holds them, without the exact sums) and attribute path.
/// Datasets are contiguous (uncompressed: compression costs more time than the space it saves).
/// The same fit gives the same bytes (no timestamps, fixed format).
/// Written through a temporary name renamed at the end; a failed write leaves no file.
struct FitFileOptions {
  /// The Fisher information of the fixed effects: as large as cov and rarely needed (it is
  /// cov's inverse up to rounding), so optional.
  bool fim_beta = true;
};
void write_fit(const std::string& path, const LmmFit& fit, const FitProvenance& provenance = {},
               const FitFileOptions& options = {});

/// Reads a file written by write_fit; IoError naming the file when it is not one. fim_beta is
/// left empty when the file does not hold it.
LmmFit read_fit(const std::string& path, FitProvenance* provenance = nullptr);

}  // namespace flashmm::io
