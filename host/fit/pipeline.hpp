#pragma once
// Internal: the fit pipeline behind fit_lmm, with the scorer given (fit_lmm chooses it with
// choose_scorer; the tests pass the CPU scorer in the GPU's layout to run the device's pipeline
// without a device). In one order, each step once:
//   prepared context -> scorer (plain Fisher scoring, all genes in lockstep)
//   -> host pass: the safeguarded optimizer for the genes where plain scoring failed (robust,
//      nonnegative), then the fixed-effects step of every gene -> Satterthwaite df (options.df)
//   -> warnings.
#include "fit/fit_context.hpp"
#include "fit/scorer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace flashmm::detail {

LmmFit run_fit(std::shared_ptr<const FitContext> ctx, const LmmOptions& options, Scorer& scorer,
               std::vector<std::string> notes = {});

/// The fit's warnings and notes that count genes by status (not converged, left out, ...), as
/// run_fit adds them last; for fits put together from several (host/dist).
void add_fit_warnings(LmmFit& fit, const LmmOptions& options);

}  // namespace flashmm::detail
