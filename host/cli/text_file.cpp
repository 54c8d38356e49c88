#include "cli/text_file.hpp"

#include <flashmm/error.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace flashmm::cli {

namespace {
std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }
}  // namespace

TextFile::TextFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IoError("cannot write '" + path_ + "' (" + errno_text(errno) + ")");
  buf_.reserve(kBlock + 4096);
}

TextFile::~TextFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t format_number(double v, char* b) {
  if (std::isnan(v) || std::isinf(v)) {
    const std::string_view s = std::isnan(v) ? "NA" : v > 0 ? "Inf" : "-Inf";
    std::memcpy(b, s.data(), s.size());
    return s.size();
  }
  const auto r = std::to_chars(b, b + 32, v);
  return static_cast<std::size_t>(r.ptr - b);
}

std::size_t format_integer(std::int64_t v, char* b) {
  const auto r = std::to_chars(b, b + 24, v);
  return static_cast<std::size_t>(r.ptr - b);
}

void TextFile::number(double v) {
  char b[32];
  text(std::string_view(b, format_number(v, b)));
}

void TextFile::integer(std::int64_t v) {
  char b[24];
  text(std::string_view(b, format_integer(v, b)));
}

void TextFile::write_all(std::string_view s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd_, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError("error writing '" + path_ + "' (" + errno_text(n < 0 ? errno : EIO) + ")");
    done += static_cast<std::size_t>(n);
  }
}

void TextFile::flush() {
  write_all(buf_);
  buf_.clear();
}

void TextFile::close() {
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw IoError("error writing '" + path_ + "' (" + errno_text(errno) + ")");
}

}  // namespace flashmm::cli
