#include "io/gzip_lines.hpp"

#include <flashmm/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace flashmm::detail {

namespace {
constexpr std::size_t kBlock = std::size_t{1} << 20;
gzFile as_gz(void* p) { return static_cast<gzFile>(p); }
}  // namespace

GzipLineReader::GzipLineReader(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) throw IoError(path_ + ": no such file; check the path");
  if (std::filesystem::is_directory(path_, ec)) throw IoError(path_ + ": is a directory, expected a file");
  gz_ = gzopen(path_.c_str(), "rb");
  if (gz_ == nullptr) throw IoError(path_ + ": cannot open for reading (permissions?)");
  gzbuffer(as_gz(gz_), 1 << 17);
  buf_.resize(kBlock);
}

GzipLineReader::~GzipLineReader() {
  if (gz_ != nullptr) gzclose(as_gz(gz_));
}

void GzipLineReader::rewind() {
  if (gzrewind(as_gz(gz_)) != 0) throw IoError(path_ + ": cannot rewind the file");
  begin_ = end_ = 0;
  eof_ = false;
  line_no_ = 0;
}

bool GzipLineReader::fill() {
  if (eof_) return false;
  // Keep the partial line at the front; grow when one line fills the buffer.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  const int n = gzread(as_gz(gz_), buf_.data() + end_, static_cast<unsigned>(std::min<std::size_t>(buf_.size() - end_, 1u << 30)));
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(as_gz(gz_), &err);
    throw IoError(path_ + ": corrupt compressed data after line " + std::to_string(line_no_) + " (" +
                  (msg != nullptr ? msg : "zlib error") + "); the file is damaged, download or export it again");
  }
  if (n == 0) {
    int err = 0;
    const char* msg = gzerror(as_gz(gz_), &err);
    if (err != Z_OK && err != Z_STREAM_END)
      throw IoError(path_ + ": truncated or corrupt compressed data after line " + std::to_string(line_no_) + " (" +
                    (msg != nullptr ? msg : "zlib error") + "); the file is incomplete, download or export it again");
    eof_ = true;
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  return true;
}

bool GzipLineReader::next(std::string_view& line) {
  for (;;) {
    const char* b = buf_.data() + begin_;
    const void* nl = std::memchr(b, '\n', end_ - begin_);
    if (nl != nullptr) {
      std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - b);
      begin_ += len + 1;
      if (len > 0 && b[len - 1] == '\r') --len;
      line = std::string_view(b, len);
      ++line_no_;
      return true;
    }
    if (!fill()) {
      if (end_ == begin_) return false;
      // Last line without a newline.
      std::size_t len = end_ - begin_;
      const char* s = buf_.data() + begin_;
      begin_ = end_;
      if (len > 0 && s[len - 1] == '\r') --len;
      line = std::string_view(s, len);
      ++line_no_;
      return true;
    }
  }
}

GzipWriter::GzipWriter(std::string path) : path_(std::move(path)) {
  gz_ = gzopen(path_.c_str(), "wb6");
  if (gz_ == nullptr) throw IoError(path_ + ": cannot create the file; check that the directory exists and is writable");
}

GzipWriter::~GzipWriter() {
  if (gz_ != nullptr) gzclose(as_gz(gz_));
}

void GzipWriter::write(std::string_view text) {
  pending_.append(text);
  if (pending_.size() < kBlock) return;
  if (gzwrite(as_gz(gz_), pending_.data(), static_cast<unsigned>(pending_.size())) != static_cast<int>(pending_.size()))
    throw IoError(path_ + ": write failed (disk full?)");
  pending_.clear();
}

void GzipWriter::close() {
  if (gz_ == nullptr) return;
  if (!pending_.empty() &&
      gzwrite(as_gz(gz_), pending_.data(), static_cast<unsigned>(pending_.size())) != static_cast<int>(pending_.size()))
    throw IoError(path_ + ": write failed (disk full?)");
  pending_.clear();
  const int rc = gzclose(as_gz(gz_));
  gz_ = nullptr;
  if (rc != Z_OK) throw IoError(path_ + ": closing failed (disk full?)");
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = line.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::vector<std::string>> read_name_table(const std::string& path) {
  GzipLineReader in(path);
  std::vector<std::vector<std::string>> out;
  std::string_view line;
  Index blank_run = 0;
  while (in.next(line)) {
    if (line.empty()) {
      ++blank_run;
      continue;
    }
    if (blank_run > 0)
      throw IoError(path + ": line " + std::to_string(in.line_number() - blank_run) + " is empty; every line must hold a name");
    std::vector<std::string> row;
    for (auto f : split(line, '\t')) row.emplace_back(unquote(f));
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::string> read_names(const std::string& path, std::size_t column) {
  std::vector<std::string> out;
  for (auto& row : read_name_table(path)) out.push_back(std::move(row[std::min(column, row.size() - 1)]));
  return out;
}

TempFile::TempFile(std::string final_path) : final_(std::move(final_path)) {
  static std::atomic<int> counter{0};
  temp_ = final_ + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

TempFile::~TempFile() {
  if (!done_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void TempFile::commit() {
  std::error_code ec;
  std::filesystem::rename(temp_, final_, ec);
  if (ec) throw IoError(final_ + ": cannot move the finished file into place (" + ec.message() + ")");
  done_ = true;
}

}  // namespace flashmm::detail
