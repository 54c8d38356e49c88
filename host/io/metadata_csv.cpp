#include <flashmm/error.hpp>
#include <flashmm/metadata_csv.hpp>

#include "util/close_names.hpp"
#include "io/path_util.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

namespace flashmm {

namespace {

struct Field {
  std::string text;
  bool quoted = false;
  Index line = 0;        // 1-based line where the field starts
  Index line_breaks = 0; // line breaks inside the field (quoted fields only)
};

struct Record {
  std::vector<Field> fields;
  Index line = 0;  // 1-based line where the record starts
};

const char* delimiter_name(char d) {
  switch (d) {
    case ',': return "','";
    case ';': return "';'";
    case '\t': return "a tab";
    case '|': return "'|'";
    default: return "the delimiter";
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open metadata file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

char pick_delimiter(const std::string& path, const std::string& text, char requested) {
  if (requested != '\0') return requested;
  if (detail::ends_with_nocase(path, ".csv")) return ',';
  if (detail::ends_with_nocase(path, ".tsv") || detail::ends_with_nocase(path, ".txt")) return '\t';
  const auto eol = text.find('\n');
  return text.substr(0, eol).find('\t') != std::string::npos ? '\t' : ',';
}

// RFC 4180 records: quoted fields may hold the delimiter, doubled quotes and line breaks.
std::vector<Record> split_records(const std::string& text, char delim, const std::string& path) {
  std::vector<Record> records;
  std::size_t i = 0;
  Index line = 1;
  const std::size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte order mark
  while (i < n) {
    // An empty line (including a last line break) holds no record.
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      continue;
    }
    Record rec;
    rec.line = line;
    for (;;) {
      Field f;
      f.line = line;
      if (i < n && text[i] == '"') {
        f.quoted = true;
        const Index open_line = line;
        ++i;
        for (;;) {
          if (i >= n) throw IoError(path + " line " + std::to_string(open_line) + ": a quoted field is not closed");
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              f.text += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') {
            ++line;
            ++f.line_breaks;
          }
          f.text += text[i++];
        }
        // Text after the closing quote (`"a"b`) is kept, as R's reader does.
        while (i < n && text[i] != delim && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n'))
          f.text += text[i++];
      } else {
        while (i < n && text[i] != delim && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n'))
          f.text += text[i++];
      }
      rec.fields.push_back(std::move(f));
      if (i < n && text[i] == delim) {
        ++i;
        continue;
      }
      if (i < n) {
        i += text[i] == '\r' ? 2 : 1;
        ++line;
      }
      break;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

bool is_missing(const Field& f) {
  return f.text.empty() || f.text == "NA" || f.text == "nan" || f.text == "NaN";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_number(std::string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

int parse_bool(std::string_view s) {  // 1 true, 0 false, -1 neither
  if (s == "TRUE" || s == "true" || s == "True") return 1;
  if (s == "FALSE" || s == "false" || s == "False") return 0;
  return -1;
}

}  // namespace

Metadata read_metadata_csv(const std::string& path, const MetadataCsvOptions& options) {
  const std::string text = read_file(path);
  const char delim = pick_delimiter(path, text, options.delimiter);
  std::vector<Record> records = split_records(text, delim, path);
  if (records.empty()) throw IoError(path + ": the metadata file is empty");

  std::vector<std::string> header;
  for (auto& f : records[0].fields) header.push_back(std::move(f.text));
  const std::size_t n_rows = records.size() - 1;

  // R's write.table writes no header for the row-name column: data rows have one more field.
  if (options.has_id_column && options.id_column.empty() && n_rows > 0 &&
      records[1].fields.size() == header.size() + 1)
    header.insert(header.begin(), "");
  // A header of one column that holds another delimiter: the file is separated by that one
  // (a European-style ';' CSV, or a tab-separated file named .csv).
  if (header.size() == 1)
    for (const char other : {';', '\t', ',', '|'})
      if (other != delim && header[0].find(other) != std::string::npos)
        throw IoError(path + " line " + std::to_string(records[0].line) + ": the header is one column, `" + header[0] +
                      "`, which holds " + delimiter_name(other) + ": the file seems to be separated by " +
                      delimiter_name(other) + ", not " + delimiter_name(delim) +
                      "; read it with that delimiter, or rewrite it separated by " + delimiter_name(delim));
  // An unterminated quote swallows the following lines into one field (and they are lost
  // without a word, if the quotes happen to pair up later): a line inside a quoted field that
  // holds the delimiter looks like a record of its own.
  for (const Record& rec : records)
    for (const Field& f : rec.fields) {
      if (f.line_breaks == 0) continue;
      for (std::size_t b = f.text.find('\n'); b != std::string::npos; b = f.text.find('\n', b + 1)) {
        const std::string next = f.text.substr(b + 1, f.text.find('\n', b + 1) - b - 1);
        if (next.find(delim) == std::string::npos) continue;
        throw IoError(path + " line " + std::to_string(f.line) + ": the quoted field that opens on line " +
                      std::to_string(f.line) + " runs over " + std::to_string(f.line_breaks) + " line break" +
                      (f.line_breaks > 1 ? "s" : "") + " and holds `" + next +
                      "`, which looks like a line of its own, so a quote (\") is probably not closed there");
      }
    }
  for (std::size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    if (rec.fields.size() == header.size()) continue;
    std::string msg = path + " line " + std::to_string(rec.line) + ": " + std::to_string(rec.fields.size()) +
                      " fields where the header has " + std::to_string(header.size());
    // The likely causes, most specific first.
    const auto spanning = std::find_if(rec.fields.begin(), rec.fields.end(), [](const Field& f) { return f.line_breaks > 0; });
    if (spanning != rec.fields.end()) {
      msg += "; the quoted field that opens on line " + std::to_string(spanning->line) + " runs over " +
             std::to_string(spanning->line_breaks) + " line break" + (spanning->line_breaks > 1 ? "s" : "") +
             ", so a quote (\") is probably not closed there";
    } else if (rec.fields.size() > header.size()) {
      msg += "; a value that holds " + std::string(delimiter_name(delim)) + " must be quoted (\"a" + std::string(1, delim) +
             "b\")";
    } else if (rec.fields.size() == 1 && rec.fields[0].text.find(';') != std::string::npos) {
      msg += "; the line holds ';': is the file separated by ';'?";
    } else {
      msg += "; every line needs one value per column (empty or NA for a missing value)";
    }
    throw IoError(msg);
  }

  std::size_t id_col = header.size();  // none
  if (options.has_id_column) {
    if (options.id_column.empty()) {
      id_col = 0;
    } else {
      const auto it = std::find(header.begin(), header.end(), options.id_column);
      if (it == header.end())
        throw InputError(path + ": no id column `" + options.id_column + "`" +
                         detail::describe_close_names(options.id_column, header));
      id_col = static_cast<std::size_t>(it - header.begin());
    }
    if (header.size() < 1) throw IoError(path + ": no columns");
  }
  {
    std::map<std::string, std::size_t> seen;
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (c == id_col) continue;
      if (!seen.emplace(header[c], c).second)
        throw IoError(path + " line " + std::to_string(records[0].line) + ": column `" + header[c] +
                      "` appears twice (columns " + std::to_string(seen[header[c]] + 1) + " and " +
                      std::to_string(c + 1) + ")");
    }
  }

  Metadata md;
  md.cell_ids.reserve(n_rows);
  if (id_col < header.size()) {
    std::unordered_map<std::string, Index> first_line;
    std::vector<std::string> dups;
    std::size_t n_dups = 0;
    for (std::size_t r = 1; r < records.size(); ++r) {
      std::string& id = records[r].fields[id_col].text;
      if (id.empty())
        throw InputError(path + " line " + std::to_string(records[r].line) + ": empty cell id in column " +
                         std::to_string(id_col + 1) + (header[id_col].empty() ? "" : " (`" + header[id_col] + "`)"));
      if (!first_line.emplace(id, records[r].line).second) {
        ++n_dups;
        if (dups.size() < 5) dups.push_back("`" + id + "` (lines " + std::to_string(first_line[id]) + " and " +
                                            std::to_string(records[r].line) + ")");
      }
      md.cell_ids.push_back(id);
    }
    if (n_dups > 0) {
      std::string msg = path + ": " + std::to_string(n_dups) + " duplicated cell id" + (n_dups > 1 ? "s" : "") + ": ";
      for (std::size_t k = 0; k < dups.size(); ++k) msg += (k ? ", " : "") + dups[k];
      if (n_dups > dups.size()) msg += ", ...";
      throw InputError(msg + "; cell ids must be unique");
    }
  } else {
    for (std::size_t r = 1; r <= n_rows; ++r) md.cell_ids.push_back(std::to_string(r));
  }

  using Kind = MetadataColumn::Kind;
  for (const auto& want : options.text)
    if (std::find(header.begin(), header.end(), want) == header.end())
      throw InputError(path + ": no column `" + want + "` to read as text" + detail::describe_close_names(want, header));
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c == id_col) continue;
    MetadataColumn col;
    col.name = header[c];
    // R's read.csv: a column's type comes from its own values, quoted or not.
    const bool as_text = std::find(options.text.begin(), options.text.end(), col.name) != options.text.end();
    bool numeric = !as_text, boolean = !as_text;
    for (std::size_t r = 1; r < records.size() && (numeric || boolean); ++r) {
      const Field& f = records[r].fields[c];
      if (is_missing(f)) continue;
      double v;
      if (numeric && !parse_number(f.text, v)) {
        numeric = false;
        col.type_note = path + " line " + std::to_string(f.line) + " holds `" + f.text + "`, which is not a number";
      }
      if (boolean && parse_bool(f.text) < 0) boolean = false;
    }
    // A column with no value at all is numeric (all NaN), as R reads an all-NA column as logical NA.
    if (numeric) {
      col.kind = Kind::numeric;
      col.numbers.resize(n_rows, std::numeric_limits<double>::quiet_NaN());
      for (std::size_t r = 1; r < records.size(); ++r)
        if (!is_missing(records[r].fields[c])) parse_number(records[r].fields[c].text, col.numbers[r - 1]);
    } else if (boolean) {
      col.type_note.clear();
      col.kind = Kind::boolean;
      col.booleans.resize(n_rows, 0);
      col.missing.resize(n_rows, 0);
      for (std::size_t r = 1; r < records.size(); ++r) {
        const Field& f = records[r].fields[c];
        if (is_missing(f))
          col.missing[r - 1] = 1;
        else
          col.booleans[r - 1] = static_cast<std::uint8_t>(parse_bool(f.text));
      }
    } else {
      col.kind = Kind::string;
      col.strings.resize(n_rows);
      col.missing.resize(n_rows, 0);
      for (std::size_t r = 1; r < records.size(); ++r) {
        Field& f = records[r].fields[c];
        if (is_missing(f))
          col.missing[r - 1] = 1;
        else
          col.strings[r - 1] = std::move(f.text);
      }
    }
    if (std::none_of(col.missing.begin(), col.missing.end(), [](std::uint8_t m) { return m != 0; })) col.missing.clear();
    md.columns.push_back(std::move(col));
  }

  std::vector<std::string> names;
  for (const auto& col : md.columns) names.push_back(col.name);
  for (const auto& want : options.categorical) {
    auto it = std::find_if(md.columns.begin(), md.columns.end(), [&](const MetadataColumn& col) { return col.name == want; });
    if (it == md.columns.end())
      throw InputError(path + ": no column `" + want + "` to read as categorical" + detail::describe_close_names(want, names));
    make_categorical(*it);
  }
  return md;
}

}  // namespace flashmm
