#include <flashmm/error.hpp>

#include "fit/fit_context.hpp"
#include "fit/general_path.hpp"
#include "fit/spectral_path.hpp"

namespace flashmm::detail {

FitContext::FitContext(std::shared_ptr<const SummaryStats> stats, const LmmOptions& options)
    : stats_(std::move(stats)), pre_(prepare(*stats_, options)) {
  const bool spectral = options.path == FitPath::spectral || (options.path == FitPath::automatic && pre_.k == 1);
  if (options.path == FitPath::spectral && pre_.k != 1)
    throw InputError("the spectral fit path needs exactly one random component (the model has " +
                     std::to_string(pre_.k) + ")");
  if (spectral) {
    auto path = std::make_unique<SpectralPath>(pre_);
    spectral_ = path.get();
    path_ = std::move(path);
  } else {
    auto path = std::make_unique<GeneralPath>(pre_);
    general_ = path.get();
    path_ = std::move(path);
  }
}

FitContext::~FitContext() = default;

}  // namespace flashmm::detail
