#pragma once
// Internal: Satterthwaite df on the fit's prepared quantities, so that fit_lmm can reuse them.
#include "fit/prepared.hpp"
#include "fit/spectral_basis.hpp"

namespace flashmm::detail {

/// Fills out (m x G) with the Satterthwaite df of the contrasts L (p x m) of every gene of fit.
/// basis: the spectral basis when the model has one random component, else nullptr.
void satterthwaite_into(const Prepared& pre, const SpectralBasis* basis, const LmmFit& fit, const Eigen::MatrixXd& L,
                        int threads, Eigen::MatrixXd& out);

}  // namespace flashmm::detail
