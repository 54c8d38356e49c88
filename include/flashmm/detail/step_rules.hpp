#pragma once
// The safeguarded optimizer's constants (LmmOptions::robust, nonnegative), shared by its host form
// for any number of components (host/fit/step_control.cpp) and its host-device form for one
// component (flashmm/detail/spectral_safeguard.hpp).
namespace flashmm::detail {

/// Halvings before a direction is given up: 2^-30 of a scoring step is far below any change of
/// theta that could still matter.
inline constexpr int kMaxHalvings = 30;
/// A step may lower the log-likelihood by this much relative to its size and still count as not
/// lowering it: near the optimum the change is below the rounding of the sum that gives it.
inline constexpr double kRoundingTolerance = 1e-11;
/// A scoring step shortened below this is taken as stalled scoring.
inline constexpr double kStallStep = 1.0 / 1024;

}  // namespace flashmm::detail
