#include "cli/output_dir.hpp"

#include "cli/output_file.hpp"

#include <flashmm/error.hpp>

#include <fstream>
#include <system_error>

namespace flashmm::cli {

namespace fs = std::filesystem;

namespace {
std::string temp_name(const std::string& name) { return "." + name + ".tmp"; }
}  // namespace

OutputDir::OutputDir(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw IoError("cannot create the output directory '" + dir + "'" + (ec ? ": " + ec.message() : "") +
                  "; give --out a directory you can write to");
  if (!directory_is_writable(dir_))
    throw IoError("the output directory '" + dir + "' is not writable; give --out a directory you can write to");
}

OutputDir::OutputDir(const std::string& dir, const std::vector<std::string>& names, bool force) : OutputDir(dir) {
  if (force) return;
  std::vector<std::string> existing;
  for (const auto& n : names)
    if (fs::exists(dir_ / n)) existing.push_back(n);
  if (existing.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < existing.size() && i < 4; ++i) list += (i ? ", " : "") + existing[i];
  if (existing.size() > 4) list += ", ...";
  throw IoError("the output directory '" + dir + "' already holds results (" + list +
                "); choose another --out, or add --force to overwrite them");
}

OutputDir::~OutputDir() {
  if (committed_) return;
  std::error_code ec;
  for (const auto& n : names_) fs::remove(dir_ / temp_name(n), ec);
}

std::string OutputDir::temp_path(const std::string& name) {
  names_.push_back(name);
  return (dir_ / temp_name(name)).string();
}

void OutputDir::commit() {
  for (const auto& n : names_) {
    std::error_code ec;
    fs::rename(dir_ / temp_name(n), dir_ / n, ec);
    if (ec) throw IoError("cannot move '" + (dir_ / temp_name(n)).string() + "' to '" + (dir_ / n).string() + "': " + ec.message());
  }
  committed_ = true;
}

}  // namespace flashmm::cli
