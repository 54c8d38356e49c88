#pragma once
// Internal: what a fit keeps of its model (LmmFit::context): the summary statistics, the
// design-side quantities prepared from them once (ALGORITHM.md section 3) and the per-gene path
// built on them. The scorers, the host pass, the fixed-effects step and inference (Satterthwaite
// df) all read this one object; nothing is prepared twice.
#include "fit/gene_path.hpp"
#include "fit/prepared.hpp"

#include <memory>

namespace flashmm::detail {

class SpectralPath;
class StructuredPath;
class GeneralPath;

class FitContext {
 public:
  /// Checks stats and options (InputError), prepares, and builds the path options.path asks
  /// for; automatic: spectral for one random component, structured for several where it pays
  /// (structured_pays), general otherwise.
  FitContext(std::shared_ptr<const SummaryStats> stats, const LmmOptions& options);
  ~FitContext();
  FitContext(const FitContext&) = delete;  // the path refers to prepared()
  FitContext& operator=(const FitContext&) = delete;

  const SummaryStats& stats() const { return *stats_; }
  const Prepared& prepared() const { return pre_; }
  Method method() const { return pre_.method; }
  const GenePath& path() const { return *path_; }
  /// The spectral path, or nullptr when the fit uses the general one.
  const SpectralPath* spectral() const { return spectral_; }
  /// The structured path, or nullptr when the fit uses another.
  const StructuredPath* structured() const { return structured_; }
  /// The general path, or nullptr when the fit uses another.
  const GeneralPath* general() const { return general_; }
  /// Which path the fit uses (spectral, structured or general).
  FitPath path_kind() const;

 private:
  std::shared_ptr<const SummaryStats> stats_;
  Prepared pre_;
  std::unique_ptr<GenePath> path_;
  const SpectralPath* spectral_ = nullptr;
  const StructuredPath* structured_ = nullptr;
  const GeneralPath* general_ = nullptr;
};

}  // namespace flashmm::detail
