#include "io/io_test_util.hpp"

#include "io/hdf5_util.hpp"
#include "support/s1.hpp"

#include <fstream>

namespace flashmm::testing {

WholeMatrix reference_s1() {
  WholeMatrix m;
  m.genes = s1().genes;
  m.cells = s1().cells;
  Compressed<double> csr = s1_csr<double>();
  m.indptr = std::move(csr.indptr);
  m.indices = std::move(csr.indices);
  m.values = std::move(csr.values);
  return m;
}

}  // namespace flashmm::testing

namespace flashmm::testing {

namespace h5 = detail::h5;

void write_dataset_as(hid_t loc, const char* name, hid_t filetype, const std::vector<double>& data,
                      const H5Storage& storage) {
  const hsize_t dim[1] = {data.size()};
  h5::Handle space(H5Screate_simple(1, dim, nullptr), H5Sclose);
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (storage.chunked && !data.empty()) {
    const hsize_t chunk[1] = {static_cast<hsize_t>(storage.chunk)};
    H5Pset_chunk(dcpl, 1, chunk);
    if (storage.shuffle) H5Pset_shuffle(dcpl);
    if (storage.deflate > 0) H5Pset_deflate(dcpl, static_cast<unsigned>(storage.deflate));
    if (storage.fletcher32) H5Pset_fletcher32(dcpl);
  }
  h5::Handle d(H5Dcreate2(loc, name, filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  ASSERT_TRUE(d.valid()) << name;
  if (!data.empty()) ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0) << name;
}

void write_frame(hid_t file, const char* name, const std::vector<std::string>& index) {
  h5::Handle g = h5::create_group(file, name);
  h5::write_encoding(g, "dataframe", "0.2.0");
  h5::write_string_attr(g, "_index", "_index");
  h5::write_string_array_attr(g, "column-order", {});
  h5::write_strings(g, "_index", index);
}

namespace {

// The entries grouped by `major` (cell or gene) keeping their order within a group: the
// compressed arrays of one layout.
void compress(const Entries& e, bool by_gene, std::vector<double>& indptr, std::vector<double>& indices,
              std::vector<double>& data) {
  const std::size_t n = by_gene ? e.genes.size() : e.cells.size();
  std::vector<std::vector<std::size_t>> groups(n);
  for (std::size_t k = 0; k < e.list.size(); ++k)
    groups[static_cast<std::size_t>(by_gene ? e.list[k].gene : e.list[k].cell)].push_back(k);
  indptr.assign(1, 0);
  indices.clear();
  data.clear();
  for (const auto& g : groups) {
    for (std::size_t k : g) {
      indices.push_back(static_cast<double>(by_gene ? e.list[k].cell : e.list[k].gene));
      data.push_back(e.list[k].value);
    }
    indptr.push_back(static_cast<double>(indices.size()));
  }
}

}  // namespace

void write_h5ad_entries(const std::string& path, const Entries& e, bool csc, const H5Storage& storage,
                        double index_override) {
  std::vector<double> indptr, indices, data;
  compress(e, csc, indptr, indices, data);
  if (index_override >= 0) indices.at(0) = index_override;
  h5::Handle f = h5::create_file(path);
  h5::Handle x = h5::create_group(f, "X");
  h5::write_encoding(x, csc ? "csc_matrix" : "csr_matrix", "0.1.0");
  h5::write_int64_array_attr(x, "shape", {static_cast<std::int64_t>(e.cells.size()), static_cast<std::int64_t>(e.genes.size())});
  write_dataset_as(x, "data", H5T_IEEE_F64LE, data, storage);
  write_dataset_as(x, "indices", H5T_STD_I64LE, indices, storage);
  write_dataset_as(x, "indptr", H5T_STD_I64LE, indptr, {});
  write_frame(f, "obs", e.cells);
  write_frame(f, "var", e.genes);
}

void write_tenx_h5_entries(const std::string& path, const Entries& e, const std::vector<std::string>& types,
                           const H5Storage& storage) {
  std::vector<double> indptr, indices, data;
  compress(e, false, indptr, indices, data);  // genes x cells CSC: one column per cell
  h5::Handle f = h5::create_file(path);
  h5::Handle m = h5::create_group(f, "matrix");
  write_dataset_as(m, "data", H5T_IEEE_F64LE, data, storage);
  write_dataset_as(m, "indices", H5T_STD_I64LE, indices, storage);
  write_dataset_as(m, "indptr", H5T_STD_I64LE, indptr, {});
  write_dataset_as(m, "shape", H5T_STD_I32LE,
                   {static_cast<double>(e.genes.size()), static_cast<double>(e.cells.size())}, {});
  h5::write_strings(m, "barcodes", e.cells);
  h5::Handle feat = h5::create_group(m, "features");
  std::vector<std::string> ids;
  for (const auto& g : e.genes) ids.push_back("ID_" + g);
  h5::write_strings(feat, "id", ids);
  h5::write_strings(feat, "name", e.genes);
  h5::write_strings(feat, "feature_type", types.empty() ? std::vector<std::string>(e.genes.size(), "Gene Expression") : types);
}

void write_mtx_entries(const std::string& path, const Entries& e) {
  std::ofstream out(path);
  out << "%%MatrixMarket matrix coordinate real general\n" << e.genes.size() << " " << e.cells.size() << " " << e.list.size() << "\n";
  out.precision(17);
  for (const auto& x : e.list) out << x.gene + 1 << " " << x.cell + 1 << " " << x.value << "\n";
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
}

void write_tenx_dir_entries(const std::string& dir, const Entries& e, const std::vector<std::string>& types) {
  std::filesystem::create_directories(dir);
  write_mtx_entries(dir + "/matrix.mtx", e);
  std::vector<std::string> features;
  for (std::size_t g = 0; g < e.genes.size(); ++g)
    features.push_back("ID_" + e.genes[g] + "\t" + e.genes[g] + "\t" + (types.empty() ? "Gene Expression" : types[g]));
  write_lines(dir + "/features.tsv", features);
  write_lines(dir + "/barcodes.tsv", e.cells);
}

}  // namespace flashmm::testing
