#include <flashmm/error.hpp>

#include "fit/fit_context.hpp"
#include "fit/general_path.hpp"
#include "fit/spectral_path.hpp"
#include "fit/structured_path.hpp"

namespace flashmm::detail {

FitContext::FitContext(std::shared_ptr<const SummaryStats> stats, const LmmOptions& options)
    : stats_(std::move(stats)), pre_(prepare(*stats_, options)) {
  const bool spectral = options.path == FitPath::spectral || (options.path == FitPath::automatic && pre_.k == 1);
  const bool structured = options.path == FitPath::structured ||
                          (options.path == FitPath::automatic && pre_.k > 1 && structured_pays(stats_->d));
  if (options.path == FitPath::spectral && pre_.k != 1)
    throw InputError("the spectral fit path needs exactly one random component (the model has " +
                     std::to_string(pre_.k) + ")");
  if (options.path == FitPath::structured && pre_.k < 2)
    throw InputError("the structured fit path needs at least two random components (the model has " +
                     std::to_string(pre_.k) + "); one component uses the spectral path");
  if (spectral) {
    auto path = std::make_unique<SpectralPath>(pre_);
    spectral_ = path.get();
    path_ = std::move(path);
  } else if (structured) {
    auto path = std::make_unique<StructuredPath>(pre_);
    structured_ = path.get();
    path_ = std::move(path);
  } else {
    auto path = std::make_unique<GeneralPath>(pre_);
    general_ = path.get();
    path_ = std::move(path);
  }
}

FitContext::~FitContext() = default;

FitPath FitContext::path_kind() const {
  if (spectral_ != nullptr) return FitPath::spectral;
  if (structured_ != nullptr) return FitPath::structured;
  return FitPath::general;
}

}  // namespace flashmm::detail
