#pragma once
// Internal: checks for a single output file (sumstats, merge), before any heavy work.
#include <string>

namespace flashmm::cli {

/// Throws IoError when `path` exists and !force (never overwrite a user's file unasked), or when
/// its directory does not exist or is not writable.
void check_output_file(const std::string& path, bool force);

}  // namespace flashmm::cli
