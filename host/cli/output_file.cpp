#include "cli/output_file.hpp"

#include <flashmm/error.hpp>

#include <filesystem>
#include <fstream>

namespace flashmm::cli {

bool directory_is_writable(const std::filesystem::path& dir) {
  const std::filesystem::path probe = dir / ".flashmm_write_test.tmp";
  bool ok;
  {
    std::ofstream f(probe);
    ok = f && (f << "x") && f.flush();
  }
  std::error_code ec;
  std::filesystem::remove(probe, ec);
  return ok;
}

void check_output_file(const std::string& path, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec) && !force)
    throw IoError("'" + path + "' already exists; choose another -o, or add --force to overwrite it");
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  if (!fs::is_directory(dir, ec))
    throw IoError("cannot write '" + path + "': the directory '" + dir.string() + "' does not exist");
  if (!directory_is_writable(dir))
    throw IoError("cannot write '" + path + "': the directory '" + dir.string() + "' is not writable");
}

}  // namespace flashmm::cli
