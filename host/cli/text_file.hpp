#pragma once
// Internal: a text output file (the TSV tables, simulate's CSV and truth table) written in large
// blocks, numbers in their shortest form that reads back to the same double (std::to_chars).
#include <cstdint>
#include <string>
#include <string_view>

namespace flashmm::cli {

/// Writes v into b (at least 32 chars) as TextFile::number does; returns the length.
std::size_t format_number(double v, char* b);
/// Writes v into b (at least 24 chars) in decimal; returns the length.
std::size_t format_integer(std::int64_t v, char* b);

/// Text formatted in memory with TextFile's number forms: rows formatted on several threads and
/// written in order afterwards.
class TextBuffer {
 public:
  void text(std::string_view s) { s_.append(s); }
  void put(char c) { s_.push_back(c); }
  void number(double v) {
    char b[32];
    s_.append(b, format_number(v, b));
  }
  void integer(std::int64_t v) {
    char b[24];
    s_.append(b, format_integer(v, b));
  }
  std::size_t size() const { return s_.size(); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

class TextFile {
 public:
  /// Creates (truncates) `path`; IoError naming it when it cannot.
  explicit TextFile(std::string path);
  /// An unclosed file is closed without checks (its temporary is discarded by its owner).
  ~TextFile();
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;

  void text(std::string_view s) {
    if (s.size() >= kBlock) {  // a large piece goes out as it is, not through the buffer
      flush();
      write_all(s);
      return;
    }
    buf_.append(s);
    if (buf_.size() >= kBlock) flush();
  }
  void put(char c) {
    buf_.push_back(c);
    if (buf_.size() >= kBlock) flush();
  }
  /// The shortest decimal that reads back to v exactly; NaN as NA, infinities as Inf and -Inf.
  void number(double v);
  void integer(std::int64_t v);
  /// Writes what is left and closes; IoError naming the file (and why: a full disk) on failure.
  void close();

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  void flush();
  void write_all(std::string_view s);
  std::string path_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace flashmm::cli
