#pragma once
// Line-by-line reading of plain or gzip-compressed text (zlib's gzread reads both), and gzip
// writing. Lines are returned as views into an internal buffer valid until the next call.
#include <flashmm/types.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace flashmm::detail {

class GzipLineReader {
 public:
  /// Opens `path`; IoError naming it when missing or unreadable.
  explicit GzipLineReader(std::string path);
  ~GzipLineReader();
  GzipLineReader(const GzipLineReader&) = delete;
  GzipLineReader& operator=(const GzipLineReader&) = delete;

  /// The next line without its "\n" or "\r\n"; false at the end of the file. IoError when the
  /// gzip stream is corrupt or truncated.
  bool next(std::string_view& line);
  /// 1-based number of the line last returned.
  Index line_number() const { return line_no_; }
  const std::string& path() const { return path_; }
  /// Back to the first line.
  void rewind();

 private:
  bool fill();
  std::string path_;
  void* gz_ = nullptr;  // gzFile, kept opaque so zlib.h stays in the .cpp
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  Index line_no_ = 0;
};

/// Writes a gzip file (level 6).
class GzipWriter {
 public:
  explicit GzipWriter(std::string path);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;
  void write(std::string_view text);
  /// Flushes and closes; IoError on failure (disk full).
  void close();

 private:
  std::string path_;
  void* gz_ = nullptr;
  std::string pending_;
};

/// Splits `line` on `sep` (no quoting).
std::vector<std::string_view> split(std::string_view line, char sep);
/// Removes one pair of surrounding double quotes.
std::string_view unquote(std::string_view s);
/// Names from a text file (plain or .gz), one per line; with several tab-separated columns, the
/// `column`-th (0-based; the last column when the line has fewer). Empty trailing lines ignored.
std::vector<std::string> read_names(const std::string& path, std::size_t column = 0);
/// The tab-separated fields of each line of a names file (plain or .gz), each field unquoted, by
/// the rules of read_names (a blank line before the last name is an IoError).
std::vector<std::vector<std::string>> read_name_table(const std::string& path);

/// Writes to `final_path` through a temporary name in the same directory, renamed on commit().
/// The temporary file is removed if commit() is never reached.
class TempFile {
 public:
  explicit TempFile(std::string final_path);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& temp_path() const { return temp_; }
  void commit();

 private:
  std::string final_, temp_;
  bool done_ = false;
};

}  // namespace flashmm::detail
