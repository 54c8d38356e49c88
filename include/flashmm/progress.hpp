#pragma once
// Progress of the long stages, reported to a caller's callback: the library never prints, so a
// front end (the program, the Python package) decides what to show.
#include <flashmm/types.hpp>

#include <functional>

namespace flashmm {

/// The stages of an analysis, in order: reading and accumulating the cells into summary
/// statistics, fitting every gene, Satterthwaite degrees of freedom, writing the results.
enum class ProgressStage { reading, fitting, df, writing };

/// "reading", "fitting", "df", "writing".
const char* to_string(ProgressStage stage);

/// progress(stage, done, total): `done` units of `total` (cells for reading, genes for fitting
/// and df, files for writing; total 0: unknown) are done. Called now and then from any thread
/// but never concurrently, with `done` not decreasing within a stage; done == total once the
/// stage ends. May be empty.
using ProgressCallback = std::function<void(ProgressStage stage, Index done, Index total)>;

}  // namespace flashmm
