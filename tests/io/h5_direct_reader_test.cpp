// H5DirectReader decodes the same elements, bit for bit, as HDF5's own H5Dread, for every
// storage it claims (contiguous, chunked, deflate, shuffle, both; old and new chunk indexes;
// several element types), and the readers built on it hand out the same chunks for 1 and 2
// threads as the HDF5 path does.
#include "io/h5_direct_reader.hpp"
#include "io/hdf5_util.hpp"
#include "io/io_test_util.hpp"

#include <flashmm/io/h5ad.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace flashmm::testing {
namespace {

namespace h5 = detail::h5;

struct Layout {
  const char* name;
  H5Storage storage;
  bool latest_format = false;  // new chunk indexes (fixed/extensible array) instead of the B-tree
  bool extendible = false;     // unlimited maximum size, as appended datasets are
};

std::vector<Layout> layouts() {
  return {{"contiguous", {}},
          {"chunked", {true, 64, false, 0, false}},
          {"deflate", {true, 100, false, 6, false}},
          {"shuffle_deflate", {true, 128, true, 4, false}},
          {"shuffle", {true, 77, true, 0, false}},
          {"deflate_latest", {true, 100, false, 6, false}, true},
          {"shuffle_deflate_extendible", {true, 96, true, 1, false}, false, true},
          {"deflate_extendible_latest", {true, 96, false, 1, false}, true, true}};
}

// Writes `values` as dataset "d" of `filetype` with the layout.
void write_layout(const std::string& path, const Layout& l, hid_t filetype, const std::vector<double>& values) {
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (l.latest_format) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  h5::Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
  ASSERT_TRUE(f.valid());
  if (!l.extendible) {
    write_dataset_as(f, "d", filetype, values, l.storage);
    return;
  }
  const hsize_t dim[1] = {values.size()}, maxdim[1] = {H5S_UNLIMITED};
  h5::Handle space(H5Screate_simple(1, dim, maxdim), H5Sclose);
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const hsize_t chunk[1] = {static_cast<hsize_t>(l.storage.chunk)};
  H5Pset_chunk(dcpl, 1, chunk);
  if (l.storage.shuffle) H5Pset_shuffle(dcpl);
  if (l.storage.deflate > 0) H5Pset_deflate(dcpl, static_cast<unsigned>(l.storage.deflate));
  h5::Handle d(H5Dcreate2(f, "d", filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
}

// 1,000 values of a type's range, with runs of zeros so deflate has something to do.
std::vector<double> values_for(hid_t filetype, std::mt19937& rng) {
  const bool is_float = H5Tget_class(filetype) == H5T_FLOAT;
  const bool is_signed = !is_float && H5Tget_sign(filetype) == H5T_SGN_2;
  const double top = is_float ? 1e6 : std::min(1e15, std::ldexp(1.0, 8 * static_cast<int>(H5Tget_size(filetype)) - 1) - 1);
  std::uniform_real_distribution<double> u(is_signed || is_float ? -top : 0.0, top);
  std::vector<double> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = (i / 37) % 3 == 0 ? 0.0 : u(rng);
    v[i] = is_float ? (H5Tget_size(filetype) == 4 ? static_cast<double>(static_cast<float>(x)) : x) : std::trunc(x);
  }
  return v;
}

TEST(H5DirectReader, DecodesWhatH5DreadReadsForEveryStorageAndType) {
  ScratchDir dir("direct");
  std::mt19937 rng(3);
  const hid_t types[] = {H5T_IEEE_F32LE, H5T_IEEE_F64LE, H5T_STD_I32LE, H5T_STD_I64LE, H5T_STD_U16LE, H5T_STD_I8LE,
                         H5T_STD_U64LE};
  for (const Layout& l : layouts()) {
    for (hid_t type : types) {
      SCOPED_TRACE(std::string(l.name) + " type size " + std::to_string(H5Tget_size(type)));
      const std::string path = dir.file(std::string(l.name) + ".h5");
      const std::vector<double> values = values_for(type, rng);
      write_layout(path, l, type, values);
      h5::Handle f = h5::open_file(path);
      h5::Handle d = h5::open_dataset(f, "d");
      detail::H5DirectReader direct(d, path, "d");
      ASSERT_TRUE(direct.direct()) << direct.why_not_direct();
      std::vector<double> want(values.size());
      h5::read_slice(d, H5T_NATIVE_DOUBLE, 0, static_cast<Index>(want.size()), want.data());
      detail::DecodeScratch scratch;
      // Ranges at chunk edges, inside one chunk, across many, and the whole dataset.
      for (auto [a, n] : std::vector<std::pair<Index, Index>>{{0, 1000}, {0, 1}, {99, 2}, {100, 100}, {1, 998}, {999, 1}, {250, 513}}) {
        std::vector<detail::DatasetPiece> pieces;
        direct.plan(a, n, pieces);
        std::vector<double> got(static_cast<std::size_t>(n), -7);
        Index covered = a;
        for (const auto& p : pieces) {
          ASSERT_EQ(p.first, covered);
          direct.decode(p, scratch, got.data() + (p.first - a));
          covered += p.count;
        }
        ASSERT_EQ(covered, a + n);
        for (Index i = 0; i < n; ++i)
          ASSERT_EQ(got[static_cast<std::size_t>(i)], want[static_cast<std::size_t>(a + i)]) << "element " << a + i;
      }
    }
  }
}

TEST(H5DirectReader, IndicesAreCheckedAgainstTheirBoundAsStored) {
  ScratchDir dir("direct_index");
  const std::string path = dir.file("i.h5");
  const std::vector<double> values = {0, 3, 1, 4294967296.0, 2};
  write_layout(path, {"deflate", {true, 2, true, 4, false}}, H5T_STD_I64LE, values);
  h5::Handle f = h5::open_file(path);
  h5::Handle d = h5::open_dataset(f, "d");
  detail::H5DirectReader direct(d, path, "d");
  ASSERT_TRUE(direct.direct());
  std::vector<detail::DatasetPiece> pieces;
  direct.plan(0, 5, pieces);
  ASSERT_EQ(pieces.size(), 3u);
  detail::DecodeScratch s;
  std::int32_t out[2];
  std::string bad;
  EXPECT_EQ(direct.decode(pieces[0], s, out, 4, bad), -1);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(direct.decode(pieces[0], s, out, 3, bad), 1);  // 3 is outside [0, 3)
  EXPECT_EQ(bad, "3");
  EXPECT_EQ(direct.decode(pieces[1], s, out, 5, bad), 1);
  EXPECT_EQ(bad, "4294967296");
}

TEST(H5DirectReader, OtherFiltersAreLeftToHdf5) {
  ScratchDir dir("direct_other");
  const std::string path = dir.file("f.h5");
  write_layout(path, {"fletcher32", {true, 10, false, 4, true}}, H5T_IEEE_F32LE, std::vector<double>(50, 1.0));
  h5::Handle f = h5::open_file(path);
  h5::Handle d = h5::open_dataset(f, "d");
  detail::H5DirectReader direct(d, path, "d");
  EXPECT_FALSE(direct.direct());
  EXPECT_NE(direct.why_not_direct().find("filter 3"), std::string::npos) << direct.why_not_direct();
}

// A cell whose only step down falls between two stored chunks (entries 0 and 1 in one, entry 2
// in the next), where no one decoding task sees both sides.
TEST(H5DirectReader, AnOrderBreakBetweenStoredChunksIsFound) {
  ScratchDir dir("direct_break");
  Entries e;
  for (int g = 0; g < 6; ++g) e.genes.push_back("g" + std::to_string(g));
  e.cells = {"c0", "c1"};
  e.list = {{0, 0, 1}, {0, 5, 2}, {0, 3, 3}, {1, 2, 4}, {1, 2, 5}};
  write_h5ad_entries(dir.file("x.h5ad"), e, false, {true, 2, false, 4, false});
  for (int threads : {1, 2}) {
    io::ReaderOptions o;
    o.threads = threads;
    auto r = io::open_matrix(dir.file("x.h5ad"), o);
    const WholeMatrix m = gather(*r, 2);
    EXPECT_EQ(m.indices, (std::vector<std::int32_t>{0, 3, 5, 2}));
    EXPECT_EQ(m.values, (std::vector<double>{1, 3, 2, 9}));
  }
}

Entries entries_of(const WholeMatrix& m) {
  Entries e;
  e.genes = m.genes;
  e.cells = m.cells;
  for (std::size_t c = 0; c + 1 < m.indptr.size(); ++c)
    for (auto k = m.indptr[c]; k < m.indptr[c + 1]; ++k)
      e.list.push_back({static_cast<Index>(c), m.indices[static_cast<std::size_t>(k)], m.values[static_cast<std::size_t>(k)]});
  return e;
}

// Reads with irregular chunk sizes and a rewind halfway, so background decoding is both used
// and thrown away; returns the whole matrix of the last full pass.
WholeMatrix read_irregularly(io::MatrixReader& r) {
  io::CellChunk c;
  for (Index k : {5, 5, 300, 7}) r.next_chunk(c, k);
  r.rewind();
  WholeMatrix m = gather(r, 333);
  r.rewind();
  io::CellChunk a, b;  // two chunk objects in turn, as a caller may hold them
  for (Index k = 0; r.next_chunk(k % 2 == 0 ? a : b, 1000); ++k) {
  }
  return m;
}

TEST(H5DirectReader, CellMajorReadersGiveTheSameChunksForOneAndTwoThreadsAsHdf5) {
  ScratchDir dir("direct_s1");
  const WholeMatrix ref = reference_s1();
  const Entries e = entries_of(ref);
  // Decoded directly: shuffle + deflate (h5py's usual), deflate of our writer (extendible,
  // float32 data, int32 indices), contiguous. Read by HDF5: fletcher32.
  write_h5ad_entries(dir.file("shuffle.h5ad"), e, false, {true, 1000, true, 4, false});
  write_h5ad_entries(dir.file("contiguous.h5ad"), e, false, {});
  write_h5ad_entries(dir.file("fletcher.h5ad"), e, false, {true, 1000, false, 4, true});
  write_tenx_h5_entries(dir.file("tenx.h5"), e, {}, {true, 700, true, 4, false});
  {
    Metadata obs;
    obs.cell_ids = ref.cells;
    io::H5adWriteOptions o;
    o.hdf5_chunk_entries = 1000;
    io::H5adWriter w(dir.file("writer.h5ad"), ref.genes, o);
    w.append(view_of(ref));
    w.finish(obs);
  }
  for (const char* name : {"shuffle.h5ad", "contiguous.h5ad", "writer.h5ad", "tenx.h5"}) {
    h5::Handle f = h5::open_file(dir.file(name));
    const std::string group = std::string(name) == "tenx.h5" ? "matrix" : "X";
    for (const char* ds : {"data", "indices"}) {
      h5::Handle d = h5::open_dataset(f, group + "/" + ds);
      EXPECT_TRUE(detail::H5DirectReader(d, dir.file(name), ds).direct()) << name << " " << ds;
    }
  }
  for (const char* name : {"shuffle.h5ad", "contiguous.h5ad", "writer.h5ad", "tenx.h5", "fletcher.h5ad"}) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::string(name) + ", threads " + std::to_string(threads));
      io::ReaderOptions o;
      o.threads = threads;
      auto r = io::open_matrix(dir.file(name), o);
      for (Index chunk : {Index{1}, Index{7}, Index{1000}, Index{100000}}) {
        r->rewind();
        EXPECT_EQ(gather(*r, chunk), ref) << "chunk " << chunk;
      }
      EXPECT_EQ(read_irregularly(*r), ref);
    }
  }
}

// 30,000 cells x 40 genes, about 12 entries a cell: chunks of 7,000 cells hold more entries
// than the reader decodes on the caller's thread alone, so the next one is decoded ahead.
WholeMatrix large_matrix() {
  WholeMatrix m;
  for (int g = 0; g < 40; ++g) m.genes.push_back("g" + std::to_string(g));
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> gene(0, 39), count(1, 50);
  for (int c = 0; c < 30000; ++c) {
    m.cells.push_back("c" + std::to_string(c));
    std::vector<int> genes;
    for (int k = 0; k < 12; ++k) genes.push_back(gene(rng));
    std::sort(genes.begin(), genes.end());
    genes.erase(std::unique(genes.begin(), genes.end()), genes.end());
    for (int g : genes) {
      m.indices.push_back(g);
      m.values.push_back(count(rng));
    }
    m.indptr.push_back(static_cast<std::int64_t>(m.indices.size()));
  }
  return m;
}

// ReaderOptions::chunk_entries: a chunk of cells holds at most that many entries (or one cell),
// decoded ahead or not, and the chunks together are the matrix, for the .h5ad and the 10x .h5.
TEST(H5DirectReader, ChunksHoldAtMostTheirBudgetOfEntries) {
  ScratchDir dir("direct_budget");
  const WholeMatrix ref = large_matrix();
  write_h5ad_entries(dir.file("large.h5ad"), entries_of(ref), false, {true, 4096, true, 4, false});
  write_tenx_h5_entries(dir.file("large.h5"), entries_of(ref), {}, {true, 4096, true, 4, false});
  for (const char* name : {"large.h5ad", "large.h5"}) {
    for (std::int64_t budget : {std::int64_t{5}, std::int64_t{70000}}) {
      SCOPED_TRACE(std::string(name) + ", budget " + std::to_string(budget));
      io::ReaderOptions o;
      o.threads = 2;
      o.chunk_entries = budget;
      auto r = io::open_matrix(dir.file(name), o);
      io::CellChunk c;
      Index cells = 0, chunks = 0;
      r->prefetch(20000);
      while (r->next_chunk(c, 20000)) {
        EXPECT_TRUE(c.nnz() <= budget || c.n_cells == 1) << c.nnz() << " entries in " << c.n_cells << " cells";
        // Full up to the budget: the next cell would not have fitted (or the chunk was the last).
        const Index next = c.first_cell + c.n_cells;
        if (next < r->n_cells() && c.n_cells < 20000)
          EXPECT_GT(c.nnz() + (ref.indptr[static_cast<std::size_t>(next) + 1] - ref.indptr[static_cast<std::size_t>(next)]), budget);
        cells += c.n_cells;
        ++chunks;
      }
      EXPECT_EQ(cells, r->n_cells());
      // One cell a chunk; else about 345,000 entries in chunks of at most 70,000 (2 chunks unbudgeted).
      EXPECT_GE(chunks, budget == 5 ? 30000 : 5);
      r->rewind();
      EXPECT_EQ(gather(*r, 20000), ref);
    }
  }
}

TEST(H5DirectReader, ChunksDecodedAheadEqualTheMatrixAndErrorsComeWithTheirChunk) {
  ScratchDir dir("direct_ahead");
  const WholeMatrix ref = large_matrix();
  const std::string path = dir.file("large.h5ad");
  write_h5ad_entries(path, entries_of(ref), false, {true, 4096, true, 4, false});
  for (int threads : {1, 2}) {
    io::ReaderOptions o;
    o.threads = threads;
    auto r = io::open_matrix(path, o);
    for (Index chunk : {Index{7000}, Index{9999}, Index{30000}}) {
      r->rewind();
      EXPECT_EQ(gather(*r, chunk), ref) << "threads " << threads << " chunk " << chunk;
    }
    EXPECT_EQ(read_irregularly(*r), ref);
  }
  // Damage the stored chunk of data holding entry 200,000 (cells ~16,700): the chunks of cells
  // before it come out whole, the one holding it fails with a message naming the dataset.
  {
    h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    h5::Handle d(H5Dopen2(f, "/X/data", H5P_DEFAULT), H5Dclose);
    const hsize_t coord[1] = {200000 / 4096 * 4096};
    unsigned mask = 0;
    haddr_t addr = 0;
    hsize_t size = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(d, coord, &mask, &addr, &size), 0);
    f.reset();
    std::FILE* raw = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(raw, nullptr);
    std::fseek(raw, static_cast<long>(addr + size / 2), SEEK_SET);
    const std::string junk(64, '\x5a');
    std::fwrite(junk.data(), 1, junk.size(), raw);
    std::fclose(raw);
  }
  const auto cell_of_entry = static_cast<Index>(std::upper_bound(ref.indptr.begin(), ref.indptr.end(), 200000) - ref.indptr.begin()) - 1;
  for (int threads : {1, 2}) {
    io::ReaderOptions o;
    o.threads = threads;
    auto r = io::open_matrix(path, o);
    io::CellChunk c;
    Index served = 0;
    try {
      while (r->next_chunk(c, 7000)) served += c.n_cells;
      ADD_FAILURE() << "the damaged chunk was read without an error";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("/X/data"), std::string::npos) << e.what();
    }
    // The stored chunk spans 4,096 entries (about 340 cells) around the entry.
    EXPECT_LE(served, cell_of_entry);
    EXPECT_GE(served, (cell_of_entry - 400) / 7000 * 7000);
  }
}

}  // namespace
}  // namespace flashmm::testing
