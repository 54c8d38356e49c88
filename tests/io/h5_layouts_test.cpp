// h5ad files with X as CSC or dense, and a Cell Ranger .h5, written here with the HDF5 C API,
// read to the same matrix as the fixture.
#include "io/hdf5_util.hpp"
#include "io/io_test_util.hpp"

#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

namespace flashmm::testing {
namespace {

namespace h5 = detail::h5;

// The obs and var frames of an h5ad holding ref.
void write_obs_var(hid_t file, const WholeMatrix& ref) {
  write_frame(file, "obs", ref.cells);
  write_frame(file, "var", ref.genes);
}

// The file at path reads as ref, in chunks of 1, 7, 1000 and 100000 cells.
void expect_reads_as(const std::string& path, const WholeMatrix& ref) {
  auto r = io::open_matrix(path);
  for (Index chunk : {Index{1}, Index{7}, Index{1000}, Index{100000}}) {
    r->rewind();
    EXPECT_EQ(gather(*r, chunk), ref) << "chunk " << chunk;
  }
}

// Gene-major copy of a cells x genes CSR matrix: indptr over genes, cell indices ascending.
struct Csc {
  std::vector<std::int64_t> indptr;
  std::vector<std::int64_t> indices;
  std::vector<float> values;
};
Csc to_csc(const WholeMatrix& m) {
  const std::size_t g = m.genes.size();
  Csc c;
  c.indptr.assign(g + 1, 0);
  for (auto i : m.indices) ++c.indptr[static_cast<std::size_t>(i) + 1];
  for (std::size_t k = 1; k <= g; ++k) c.indptr[k] += c.indptr[k - 1];
  std::vector<std::int64_t> fill(c.indptr.begin(), c.indptr.end() - 1);
  c.indices.resize(m.indices.size());
  c.values.resize(m.indices.size());
  for (std::size_t cell = 0; cell + 1 < m.indptr.size(); ++cell)
    for (auto k = m.indptr[cell]; k < m.indptr[cell + 1]; ++k) {
      const auto dst = static_cast<std::size_t>(fill[static_cast<std::size_t>(m.indices[static_cast<std::size_t>(k)])]++);
      c.indices[dst] = static_cast<std::int64_t>(cell);
      c.values[dst] = static_cast<float>(m.values[static_cast<std::size_t>(k)]);
    }
  return c;
}

TEST(H5Layouts, CscH5adReadsLikeCsr) {
  ScratchDir dir("csc");
  const WholeMatrix ref = reference_s1();
  const Csc csc = to_csc(ref);
  const std::string path = dir.file("csc.h5ad");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle x = h5::create_group(f, "X");
    h5::write_encoding(x, "csc_matrix", "0.1.0");
    h5::write_int64_array_attr(x, "shape", {4000, 60});
    h5::write_vector(x, "data", csc.values);
    h5::write_vector(x, "indices", csc.indices);
    h5::write_vector(x, "indptr", csc.indptr);
    write_obs_var(f, ref);
  }
  expect_reads_as(path, ref);
}

TEST(H5Layouts, DenseH5adReadsLikeCsr) {
  ScratchDir dir("dense");
  const WholeMatrix ref = reference_s1();
  const std::string path = dir.file("dense.h5ad");
  {
    std::vector<double> dense(ref.cells.size() * ref.genes.size(), 0.0);
    for (std::size_t c = 0; c + 1 < ref.indptr.size(); ++c)
      for (auto k = ref.indptr[c]; k < ref.indptr[c + 1]; ++k)
        dense[c * ref.genes.size() + static_cast<std::size_t>(ref.indices[static_cast<std::size_t>(k)])] = ref.values[static_cast<std::size_t>(k)];
    h5::Handle f = h5::create_file(path);
    const hsize_t d[2] = {ref.cells.size(), ref.genes.size()};
    h5::Handle space(H5Screate_simple(2, d, nullptr), H5Sclose);
    h5::Handle x(H5Dcreate2(f, "X", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    ASSERT_GE(H5Dwrite(x, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, dense.data()), 0);
    write_obs_var(f, ref);
  }
  expect_reads_as(path, ref);
}

TEST(H5Layouts, TenxH5ReadsLikeCsr) {
  ScratchDir dir("tenx_h5");
  const WholeMatrix ref = reference_s1();
  const std::string path = dir.file("filtered_feature_bc_matrix.h5");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle m = h5::create_group(f, "matrix");
    // Cell Ranger: genes x cells CSC, int32 counts, int64 indices, fixed-length strings.
    std::vector<std::int32_t> data(ref.values.begin(), ref.values.end());
    std::vector<std::int64_t> indices(ref.indices.begin(), ref.indices.end());
    h5::write_vector(m, "data", data, 4);
    h5::write_vector(m, "indices", indices, 4);
    h5::write_vector(m, "indptr", ref.indptr);
    h5::write_vector(m, "shape", std::vector<std::int32_t>{60, 4000});
    const auto fixed = [](hid_t loc, const char* name, const std::vector<std::string>& v) {
      std::size_t width = 1;
      for (const auto& s : v) width = std::max(width, s.size());
      std::vector<char> buf(width * v.size(), '\0');
      for (std::size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + static_cast<std::ptrdiff_t>(i * width));
      h5::Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(t, width);
      H5Tset_strpad(t, H5T_STR_NULLPAD);
      h5::write_dataset(loc, name, t, t, buf.data(), static_cast<Index>(v.size()));
    };
    fixed(m, "barcodes", ref.cells);
    h5::Handle feat = h5::create_group(m, "features");
    std::vector<std::string> ids;
    for (const auto& g : ref.genes) ids.push_back("ENSG_" + g);
    fixed(feat, "id", ids);
    fixed(feat, "name", ref.genes);
    fixed(feat, "feature_type", std::vector<std::string>(ref.genes.size(), "Gene Expression"));
  }
  expect_reads_as(path, ref);
  io::ReaderOptions o;
  o.gene_column = "id";
  EXPECT_EQ(io::open_matrix(path, o)->gene_names().front(), "ENSG_Gene1");
}

// A v2 genome group is found the same way by the format detection and by the 10x reader, so an
// incomplete one is reported by what it lacks, not as a missing 'matrix' group.
TEST(TenxH5, IncompleteV2GenomeGroupNamesWhatIsMissing) {
  ScratchDir dir("tenx_v2");
  const std::string path = dir.file("v2.h5");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle g = h5::create_group(f, "GRCh38");
    h5::write_strings(g, "barcodes", {"AAAC-1", "AAAG-1"});
  }
  try {
    io::open_matrix(path);
    FAIL() << "expected an IoError";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("GRCh38/data is missing"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace flashmm::testing
