#pragma once
// Internal: the spectral objective (flashmm/detail/spectral_objective.hpp, host-device) with an
// Eigen form of the observed information for the host code.
#include <flashmm/detail/spectral_objective.hpp>

#include <Eigen/Dense>

namespace flashmm::detail {

/// spectral_observed_information as a matrix.
inline Eigen::Matrix2d spectral_observed_information(const SpectralGene& x, double s1, double s0) {
  double h[2][2];
  spectral_observed_information(x, s1, s0, h);
  return Eigen::Matrix2d{{h[0][0], h[0][1]}, {h[1][0], h[1][1]}};
}

}  // namespace flashmm::detail
