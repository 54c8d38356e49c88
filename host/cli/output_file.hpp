#pragma once
// Internal: checks of output locations (a file for sumstats and merge, a directory for de and
// fit), made before any heavy work.
#include <filesystem>
#include <string>

namespace flashmm::cli {

/// Whether a file can be created in dir, found by creating (and removing) one: permission bits do
/// not tell the whole story (read-only mounts, ACLs).
bool directory_is_writable(const std::filesystem::path& dir);

/// Throws IoError when `path` exists and !force (never overwrite a user's file unasked), or when
/// its directory does not exist or is not writable.
void check_output_file(const std::string& path, bool force);

}  // namespace flashmm::cli
