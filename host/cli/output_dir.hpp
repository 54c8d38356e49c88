#pragma once
// Internal: an output directory whose files are written under temporary names and renamed into
// place only once everything succeeded, so a failed run never leaves a half-written result that
// looks complete.
#include <filesystem>
#include <string>
#include <vector>

namespace flashmm::cli {

class OutputDir {
 public:
  /// Creates `dir` if needed and checks that a file can be created in it; throws IoError naming
  /// the directory otherwise. Call before any heavy work.
  explicit OutputDir(const std::string& dir);
  /// The same, and refuses (IoError) when any of `names` already exists in dir unless `force`:
  /// a user's earlier results are never overwritten without being asked.
  OutputDir(const std::string& dir, const std::vector<std::string>& names, bool force);
  /// Removes the temporary files of an unfinished run.
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  /// The temporary path to write `name` to; commit() moves it to dir/name.
  std::string temp_path(const std::string& name);
  /// Renames every temporary file to its final name.
  void commit();
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::string> names_;
  bool committed_ = false;
};

}  // namespace flashmm::cli
