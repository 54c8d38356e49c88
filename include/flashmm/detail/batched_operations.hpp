#pragma once
// Every batched operation of the fit (flashmm/detail/batched_op.hpp), listed once: the device
// (kernels/fit/batched_kernels.cu) and the CPU emulation (host/fit/cpu_batched_ops.cpp) stamp
// out one launch per entry with FLASHMM_BATCHED_OPERATIONS(X), X(Op) for each.
#include <flashmm/detail/batched_cholesky.hpp>
#include <flashmm/detail/fixed_effects_batch.hpp>
#include <flashmm/detail/general_score.hpp>
#include <flashmm/detail/spectral_batch.hpp>
#include <flashmm/detail/spectral_satterthwaite.hpp>

#define FLASHMM_BATCHED_OPERATIONS(X) \
  X(PotrfDiag)                        \
  X(TrsmPanel)                        \
  X(TrsmDiag)                         \
  X(FormScaled)                       \
  X(Broadcast)                        \
  X(GeneralPrepare)                   \
  X(VectorFinish)                     \
  X(M0FromW2)                         \
  X(FormGeneral)                      \
  X(ReduceUpdate)                     \
  X(FeRhs)                            \
  X(SpectralFePrepare)                \
  X(FeFinish)                         \
  X(ScaleVectors)                     \
  X(SpectralGenes)                    \
  X(SpectralSatterthwaite)
