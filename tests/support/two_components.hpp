#pragma once
// Summary statistics of a simulated study with two random components (samples and batches,
// crossed), for the tests of the general path at a chosen q = q1 + q2.
#include <flashmm/summary_stats.hpp>

#include <cstdint>

namespace flashmm::testing {

/// cells cells in q1 samples and q2 batches (each cell a random sample and batch), fixed effects
/// an intercept, a covariate and a treatment of half the samples (p = 3); G genes of normal data
/// y = X b + u_sample + v_batch + e with per-gene variances: samples 0.3, batches 0.1, except
/// every fourth gene, which has no batch effect (its batch variance estimate comes out near 0 or
/// below), and residual 1.
SummaryStats two_component_stats(Index cells, int q1, int q2, Index genes, std::uint64_t seed);

}  // namespace flashmm::testing
