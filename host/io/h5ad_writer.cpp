// Writes AnnData 0.8 .h5ad files (what anndata >= 0.8 and scanpy read): X as an appendable CSR
// group, obs/var dataframes with the encodings anndata itself writes.
#include "io/gzip_lines.hpp"
#include "io/hdf5_util.hpp"

#include <flashmm/error.hpp>
#include <flashmm/io/h5ad.hpp>

#include <cmath>
#include <limits>

namespace flashmm::io {

namespace h = detail::h5;

struct H5adWriter::State {
  std::string path;
  std::vector<std::string> genes;
  H5adWriteOptions options;
  detail::TempFile temp;
  h::Handle file, x, data, indices;
  std::vector<std::int64_t> indptr{0};
  hid_t value_filetype = H5T_IEEE_F32LE;
  bool finished = false;
  State(const std::string& p, std::vector<std::string> g, const H5adWriteOptions& o)
      : path(p), genes(std::move(g)), options(o), temp(p) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  // An unfinished file is discarded: abandoned first, so that closing its datasets cannot meet
  // the disk error that stopped it (hdf5_util.hpp), then removed with the temporary name.
  ~State() {
    if (!finished && file.valid()) h::abandon_file(file);
  }
};

H5adWriter::H5adWriter(const std::string& path, std::vector<std::string> gene_names, const H5adWriteOptions& options)
    : state_(std::make_unique<State>(path, std::move(gene_names), options)) {
  State& s = *state_;
  if (options.gzip_level < 0 || options.gzip_level > 9)
    throw InputError("write_h5ad: gzip level must be 0..9, got " + std::to_string(options.gzip_level));
  switch (options.value_type) {
    case CountType::float32: s.value_filetype = H5T_IEEE_F32LE; break;
    case CountType::float64: s.value_filetype = H5T_IEEE_F64LE; break;
    case CountType::int32: s.value_filetype = H5T_STD_I32LE; break;
  }
  s.file = h::create_file(s.temp.temp_path());
  s.x = h::create_group(s.file, "X");
  h::write_encoding(s.x, "csr_matrix", "0.1.0");
  s.data = h::create_extendible(s.x, "data", s.value_filetype, options.hdf5_chunk_entries, options.gzip_level);
  s.indices = h::create_extendible(s.x, "indices", H5T_STD_I32LE, options.hdf5_chunk_entries, options.gzip_level);
}

H5adWriter::~H5adWriter() = default;

Index H5adWriter::n_cells() const { return static_cast<Index>(state_->indptr.size()) - 1; }

namespace {
template <class T>
void append_cells(H5adWriter::State& s, const CsrView<T>& m) {
  const std::string w = s.path + ": write_h5ad: ";
  if (s.finished) throw InputError(w + "append after finish");
  if (m.cols != static_cast<Index>(s.genes.size()))
    throw InputError(w + "the block has " + std::to_string(m.cols) + " genes, expected " + std::to_string(s.genes.size()));
  if (static_cast<Index>(m.indptr.size()) != m.rows + 1 || m.indices.size() != m.values.size() ||
      (m.rows > 0 && (m.indptr[0] < 0 || m.indptr[static_cast<std::size_t>(m.rows)] > static_cast<std::int64_t>(m.values.size()))))
    throw InputError(w + "inconsistent CSR block (indptr must have rows + 1 offsets into indices/values)");
  if (m.rows == 0) return;
  const std::int64_t b = m.indptr[0];
  const std::int64_t e = m.indptr[static_cast<std::size_t>(m.rows)];
  const std::int64_t base = s.indptr.back();
  for (Index r = 1; r <= m.rows; ++r) {
    const std::int64_t v = m.indptr[static_cast<std::size_t>(r)];
    if (v < m.indptr[static_cast<std::size_t>(r) - 1]) throw InputError(w + "indptr decreases");
    s.indptr.push_back(base + v - b);
  }
  for (std::int64_t k = b; k < e; ++k)
    if (m.indices[static_cast<std::size_t>(k)] < 0 || m.indices[static_cast<std::size_t>(k)] >= m.cols)
      throw InputError(w + "gene index " + std::to_string(m.indices[static_cast<std::size_t>(k)]) + " out of range");
  const auto n = static_cast<std::size_t>(e - b);
  const auto first = static_cast<std::size_t>(b);
  switch (s.options.value_type) {
    case CountType::float32: {
      std::vector<float> v(n);
      for (std::size_t k = 0; k < n; ++k) v[k] = static_cast<float>(m.values[first + k]);
      h::append(s.data, H5T_NATIVE_FLOAT, v.data(), static_cast<Index>(n));
      break;
    }
    case CountType::float64: {
      std::vector<double> v(n);
      for (std::size_t k = 0; k < n; ++k) v[k] = static_cast<double>(m.values[first + k]);
      h::append(s.data, H5T_NATIVE_DOUBLE, v.data(), static_cast<Index>(n));
      break;
    }
    case CountType::int32: {
      std::vector<std::int32_t> v(n);
      for (std::size_t k = 0; k < n; ++k) {
        const double x = static_cast<double>(m.values[first + k]);
        if (x != std::floor(x) || std::abs(x) > std::numeric_limits<std::int32_t>::max())
          throw InputError(w + "value " + std::to_string(x) + " is not an int32 count; write float values instead");
        v[k] = static_cast<std::int32_t>(x);
      }
      h::append(s.data, H5T_NATIVE_INT32, v.data(), static_cast<Index>(n));
      break;
    }
  }
  h::append(s.indices, H5T_NATIVE_INT32, m.indices.data() + first, static_cast<Index>(n));
}

void write_column(hid_t obs, const MetadataColumn& c) {
  using Kind = MetadataColumn::Kind;
  switch (c.kind) {
    case Kind::numeric: {
      h::Handle d = h::write_vector(obs, c.name, c.numbers);
      h::write_encoding(d, "array", "0.2.0");
      break;
    }
    case Kind::string: {
      // anndata 0.8 has no missing strings: missing ones are written empty.
      std::vector<std::string> v = c.strings;
      for (std::size_t i = 0; i < v.size(); ++i)
        if (c.is_missing(static_cast<Index>(i))) v[i].clear();
      h::write_strings(obs, c.name, v);
      break;
    }
    case Kind::boolean: h::write_bools(obs, c.name, c.booleans); break;
    case Kind::categorical: {
      h::Handle g = h::create_group(obs, c.name);
      h::write_encoding(g, "categorical", "0.2.0");
      h::write_bool_attr(g, "ordered", false);
      h::write_strings(g, "categories", c.levels);
      // pandas' smallest code type, as anndata writes it.
      h::Handle d;
      if (c.levels.size() < 128) {
        std::vector<std::int8_t> codes(c.codes.begin(), c.codes.end());
        d = h::write_vector(g, "codes", codes);
      } else {
        d = h::write_vector(g, "codes", c.codes);
      }
      h::write_encoding(d, "array", "0.2.0");
      break;
    }
  }
}

void write_frame(hid_t file, const std::string& name, const std::vector<std::string>& index,
                 const std::vector<MetadataColumn>& columns) {
  h::Handle g = h::create_group(file, name);
  h::write_encoding(g, "dataframe", "0.2.0");
  h::write_string_attr(g, "_index", "_index");
  std::vector<std::string> order;
  for (const auto& c : columns) {
    if (c.name == "_index" || c.name.empty() || c.name.find('/') != std::string::npos)
      throw InputError(h::file_name(file) + ": write_h5ad: column name '" + c.name + "' cannot be stored in " + name);
    order.push_back(c.name);
  }
  h::write_string_array_attr(g, "column-order", order);
  h::write_strings(g, "_index", index);
  for (const auto& c : columns) write_column(g, c);
}
}  // namespace

void H5adWriter::append(const CsrView<double>& cells) { append_cells(*state_, cells); }
void H5adWriter::append(const CsrView<float>& cells) { append_cells(*state_, cells); }

void H5adWriter::finish(const Metadata& obs) {
  State& s = *state_;
  if (s.finished) throw InputError(s.path + ": write_h5ad: finish called twice");
  if (obs.n_cells() != n_cells())
    throw InputError(s.path + ": write_h5ad: obs has " + std::to_string(obs.n_cells()) + " cells but " +
                     std::to_string(n_cells()) + " were written");
  for (const auto& c : obs.columns)
    if (c.size() != obs.n_cells())
      throw InputError(s.path + ": write_h5ad: obs column '" + c.name + "' has " + std::to_string(c.size()) + " values for " +
                       std::to_string(obs.n_cells()) + " cells");
  h::write_vector(s.x, "indptr", s.indptr, s.options.gzip_level);
  h::write_int64_array_attr(s.x, "shape", {n_cells(), static_cast<Index>(s.genes.size())});
  h::write_encoding(s.file, "anndata", "0.1.0");
  write_frame(s.file, "obs", obs.cell_ids, obs.columns);
  write_frame(s.file, "var", s.genes, {});
  for (const char* g : {"layers", "obsm", "obsp", "uns", "varm", "varp"}) {
    h::Handle grp = h::create_group(s.file, g);
    h::write_encoding(grp, "dict", "0.1.0");
  }
  h::close_written(s.data);
  h::close_written(s.indices);
  s.x.reset();
  h::close_file(s.file);
  s.finished = true;
  s.temp.commit();
}

void write_h5ad(const std::string& path, const CsrView<float>& counts, const std::vector<std::string>& gene_names,
                const Metadata& obs, const H5adWriteOptions& options) {
  H5adWriter w(path, gene_names, options);
  w.append(counts);
  w.finish(obs);
}

void write_h5ad(const std::string& path, const CsrView<double>& counts, const std::vector<std::string>& gene_names,
                const Metadata& obs, const H5adWriteOptions& options) {
  H5adWriter w(path, gene_names, options);
  w.append(counts);
  w.finish(obs);
}

}  // namespace flashmm::io
