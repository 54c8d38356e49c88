// The CUDA scorer of the fit pipeline (fit/gpu_scorer.hpp): the batched drivers
// (host/fit/batched_general.hpp) on the CUDA device (cuda_batched_ops.cpp).
#include <flashmm/backend.hpp>
#include <flashmm/error.hpp>

#include "fit/batched_general.hpp"
#include "fit/cuda_batched_ops.hpp"
#include "fit/gpu_scorer.hpp"

namespace flashmm::cuda {

std::unique_ptr<detail::Scorer> make_scorer() {
  std::string why;
  if (!gpu_available(&why)) throw DeviceError("the GPU fit needs a usable CUDA device: " + why);
  return detail::make_batched_scorer([] { return make_cuda_batched_ops(); });
}

}  // namespace flashmm::cuda
