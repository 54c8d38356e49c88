#pragma once
// Internal: the drivers of the batched fit, written once against BatchedOps (fit/batched_ops.hpp)
// and run on the GPU (kernels/, the plugin) and, in the tests, on its CPU emulation.
#include "fit/batched_ops.hpp"
#include "fit/scorer.hpp"

#include <functional>
#include <string>

namespace flashmm::detail {

/// Whether the batched drivers take ctx's model (at most kMaxBatchedComponents components, sizes
/// within the device's int32 indices); *why_not says why not.
bool batched_covers(const FitContext& ctx, std::string* why_not);

/// A lower bound of the device memory the batched fit of ctx needs (its shared arrays and one
/// gene of a batch): choose_scorer leaves a model that cannot fit to the CPU.
std::size_t batched_min_bytes(const FitContext& ctx);

/// FLASHMM's plain Fisher scoring on the general path (ALGORITHM.md section 3, any number of
/// components) for every active gene of in, through ops, all still-active genes of an iteration
/// at once in batches sized from ops.free_bytes(); the results go to out (host memory) as
/// GeneralPath::score_plain writes them, and out.loglik where the model is surely valid.
/// Per gene and evaluation, with D = diag(r) >= 0, S = D^1/2 and A = zrz (REML) or ZZ (ML):
///   I + D A = S (I + S A S) S^-1 where S is invertible, and for any r >= 0 (zero ratios
///   included) M0 = (I + D A)^-1 = I - S K^-1 S A with K = I + S A S symmetric positive definite
///   (A is positive semi-definite). With K = L L' (batched Cholesky), Y = L^-1 S A and
///   W2 = L^-T Y:  B = A M0 = A - Y'Y,  M0 = I - S W2,  log|det M0| = -2 sum log L_ii;
///   M D = S K^-1 S, so  right = M D zry = S u  and  a = M' zry = zry - zrz S u  with
///   u = K^-1 S zry (K from zrz; for ML a second K from ZZ gives B and M0).
/// Where a ratio is negative, or the Cholesky factorization fails, the gene is factorized as
/// I + D A with LU and partial pivoting instead (cuBLAS getrf/getrs batched), as on the CPU.
void score_general_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                           const ScoringArrays& out);

/// FLASHMM's plain Fisher scoring on the spectral path (one component, ALGORITHM.md section 6) for
/// every active gene of in, through ops, in batches sized from ops.free_bytes(); under robust or
/// nonnegative also the safeguarded optimizer where plain scoring failed (out.stop, out.fallback):
/// the host pass is left nothing to do.
void score_spectral_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                            const ScoringArrays& out);

/// The fixed-effects step (ALGORITHM.md section 3, "fixed effects") of every active gene at its
/// estimate est, through ops, on either path (fit/batched_fixed_effects.cpp derives the forms):
/// W, b, cov, se, t, the FIM of beta, se_theta, logLik and the BLUP on the device, copied back
/// once per batch into fit; the residual df, the p-values (Student t tail) and the status on
/// the host (store_t_tests, gene_status).
void fixed_effects_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                           const ScoringArrays& est, LmmFit& fit);

/// The batched scorer: scoring, the safeguarded optimizer for one component and the fixed-effects
/// step of both paths through ops (one BatchedOps per fit, from make_ops).
std::unique_ptr<Scorer> make_batched_scorer(std::function<std::unique_ptr<BatchedOps>()> make_ops);

/// The batched scorer on the CPU emulation of a device with memory_bytes of free memory (the
/// tests; small values cut the genes into several batches).
std::unique_ptr<Scorer> make_emulated_device_scorer(std::size_t memory_bytes);

}  // namespace flashmm::detail
