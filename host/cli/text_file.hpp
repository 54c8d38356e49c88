#pragma once
// Internal: a text output file (the TSV tables, simulate's CSV and truth table) written in large
// blocks, numbers in their shortest form that reads back to the same double (std::to_chars).
#include <cstdint>
#include <string>
#include <string_view>

namespace flashmm::cli {

class TextFile {
 public:
  /// Creates (truncates) `path`; IoError naming it when it cannot.
  explicit TextFile(std::string path);
  /// An unclosed file is closed without checks (its temporary is discarded by its owner).
  ~TextFile();
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;

  void text(std::string_view s) {
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
  std::string path_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace flashmm::cli
