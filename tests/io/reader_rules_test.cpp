// The rules every reader applies (matrix_reader.hpp, open_matrix), each checked in every format
// where it can arise: stored indices within their bounds, repeated entries summed, unique cell
// ids, gene names made unique, names that fit a TSV, options that apply to the input, inputs
// with genes and cells, 10x feature types, and files of other tools.
#include "io/hdf5_util.hpp"
#include "io/io_test_util.hpp"
#include "io/reader_base.hpp"
#include "support/fixture.hpp"

#include <flashmm/io/matrix_reader.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

namespace flashmm::testing {
namespace {

namespace h5 = detail::h5;

WholeMatrix read_all(const std::string& path, const io::ReaderOptions& o = {}, Index chunk = 2) {
  auto r = io::open_matrix(path, o);
  return gather(*r, chunk);
}

// 3 cells x 4 genes; cell 0 repeats gene 2, cell 2 repeats gene 1 three times (0.1, 0.2, 0.3:
// their sum depends on the order, so the test sees the order too), out of gene order.
Entries with_repeats() {
  Entries e;
  e.genes = {"g0", "g1", "g2", "g3"};
  e.cells = {"c0", "c1", "c2"};
  e.list = {{0, 2, 1}, {0, 0, 2}, {0, 2, 3}, {2, 1, 0.1}, {2, 3, 7}, {2, 1, 0.2}, {2, 1, 0.3}};
  return e;
}

// What every reader hands out for with_repeats(): duplicates summed in file order.
WholeMatrix summed() {
  WholeMatrix m;
  m.genes = {"g0", "g1", "g2", "g3"};
  m.cells = {"c0", "c1", "c2"};
  m.indptr = {0, 2, 2, 4};
  m.indices = {0, 2, 1, 3};
  const double a = 0.1, b = 0.2, c = 0.3;
  m.values = {2, 1.0 + 3.0, (a + b) + c, 7};
  return m;
}

// A cell-major copy of the entries with cells in reverse order (an unsorted MatrixMarket file).
Entries cells_reversed(const Entries& e) {
  Entries r = e;
  r.list.clear();
  for (Index c = static_cast<Index>(e.cells.size()) - 1; c >= 0; --c)
    for (const auto& x : e.list)
      if (x.cell == c) r.list.push_back(x);
  return r;
}

io::ReaderOptions mtx_names(const ScratchDir& d, const Entries& e) {
  io::ReaderOptions o;
  o.genes_file = d.file("genes.txt");
  o.cells_file = d.file("cells.txt");
  write_lines(o.genes_file, e.genes);
  write_lines(o.cells_file, e.cells);
  return o;
}

// The entries in every format with names (h5ad CSR and CSC, 10x .h5 and directory, .mtx with
// name files, dense CSV given as text): the inputs with their options.
struct Input {
  std::string path;
  io::ReaderOptions options;
};
std::vector<Input> every_format(const ScratchDir& d, const Entries& e, const std::string& dense_csv) {
  write_h5ad_entries(d.file("x.h5ad"), e, false);
  write_h5ad_entries(d.file("csc.h5ad"), e, true);
  write_tenx_h5_entries(d.file("x.h5"), e);
  write_tenx_dir_entries(d.file("tenx"), e);
  write_mtx_entries(d.file("m.mtx"), e);
  std::ofstream(d.file("dense.csv")) << dense_csv;
  return {{d.file("x.h5ad"), {}}, {d.file("csc.h5ad"), {}}, {d.file("x.h5"), {}},
          {d.file("tenx"), {}},   {d.file("m.mtx"), mtx_names(d, e)}, {d.file("dense.csv"), {}}};
}

TEST(ReaderRules, RepeatedEntriesAreSummedInFileOrderByEveryReader) {
  ScratchDir d("repeats");
  const Entries e = with_repeats();
  const WholeMatrix want = summed();
  const H5Storage deflated{true, 2, true, 4, false};
  write_h5ad_entries(d.file("csr.h5ad"), e, false);
  write_h5ad_entries(d.file("csr_gzip.h5ad"), e, false, deflated);
  write_h5ad_entries(d.file("csc.h5ad"), e, true);
  write_tenx_h5_entries(d.file("tenx.h5"), e);
  write_tenx_dir_entries(d.file("tenx"), e);
  write_mtx_entries(d.file("sorted.mtx"), e);
  write_mtx_entries(d.file("unsorted.mtx"), cells_reversed(e));
  const auto names = mtx_names(d, e);
  for (const char* f : {"csr.h5ad", "csr_gzip.h5ad", "csc.h5ad", "tenx.h5", "tenx"})
    for (Index chunk : {1, 2, 3}) EXPECT_EQ(read_all(d.file(f), {}, chunk), want) << f << " chunk " << chunk;
  for (const char* f : {"sorted.mtx", "unsorted.mtx"})
    for (Index chunk : {1, 2, 3}) EXPECT_EQ(read_all(d.file(f), names, chunk), want) << f << " chunk " << chunk;
}

TEST(ReaderRules, OrderBreaksCountStepsDownWithinCellsOnly) {
  io::CellChunk c;
  c.n_cells = 4;
  c.indptr = {0, 3, 3, 5, 7};
  c.indices = {0, 4, 2, 1, 3, 9, 9};  // cell 0 steps down once, cell 2 starts below cell 0's end, cell 3 repeats
  c.values = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(detail::order_breaks(c, 0, 7), 2);
  EXPECT_EQ(detail::order_breaks(c, 3, 5), 0);  // cell 2 alone
  EXPECT_EQ(detail::order_breaks(c, 2, 3), 1);  // the step 4 -> 2 inside cell 0
  EXPECT_EQ(detail::order_breaks(c, 3, 4), 0);  // entry 3 starts a cell
  EXPECT_EQ(detail::order_breaks(c, 6, 7), 1);  // 9 -> 9 inside cell 3
  detail::canonicalize_cells(c);
  EXPECT_EQ(c.indptr, (std::vector<std::int64_t>{0, 3, 3, 5, 6}));
  EXPECT_EQ(c.indices, (std::vector<std::int32_t>{0, 2, 4, 1, 3, 9}));
  EXPECT_EQ(c.values, (std::vector<double>{1, 3, 2, 4, 5, 13}));
}

TEST(ReaderRules, GeneIndexOutsideTheGenesNamesCellAndIndexInEveryCellMajorLayout) {
  ScratchDir d("gene_bounds");
  Entries e = with_repeats();
  // Contiguous (decoded directly), gzip-chunked (decoded directly), fletcher32 (read by HDF5).
  const H5Storage layouts[] = {{}, {true, 2, true, 4, false}, {true, 2, false, 0, true}};
  for (const auto& st : layouts) {
    write_h5ad_entries(d.file("csr.h5ad"), e, false, st, 4);
    expect_io_error([&] { read_all(d.file("csr.h5ad")); }, {d.file("csr.h5ad"), "/X/indices", "gene index 4 of cell 0", "outside 0..3"});
    // An int64 index beyond int32 is reported as stored, not clamped to 2^31 - 1.
    write_h5ad_entries(d.file("csr.h5ad"), e, false, st, 2147483653.0);
    expect_io_error([&] { read_all(d.file("csr.h5ad")); }, {"gene index 2147483653 of cell 0"});
  }
  e.list[0].gene = 3;
  write_tenx_h5_entries(d.file("tenx.h5"), e);
  {
    // Rewrite the 10x indices with one past the features.
    h5::Handle f(H5Fopen(d.file("tenx.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    h5::Handle ds(H5Dopen2(f, "/matrix/indices", H5P_DEFAULT), H5Dclose);
    std::vector<std::int64_t> idx(static_cast<std::size_t>(h5::length(ds)));
    h5::read_slice(ds, H5T_NATIVE_INT64, 0, static_cast<Index>(idx.size()), idx.data());
    idx[1] = 4;
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx.data()), 0);
  }
  expect_io_error([&] { read_all(d.file("tenx.h5")); }, {"/matrix/indices", "gene index 4 of cell 0"});
}

TEST(ReaderRules, CellIndexOutsideTheCellsOfACscH5adIsAnError) {
  ScratchDir d("csc_bounds");
  Entries e = with_repeats();
  // The case: a cell index >= n_cells used to stop its gene's cursor, so the gene's
  // later entries were silently dropped.
  for (double bad : {3.0, 8589934592.0}) {
    write_h5ad_entries(d.file("csc.h5ad"), e, true, {}, bad);
    const std::string shown = bad == 3.0 ? "cell index 3 of gene 0" : "cell index 8589934592 of gene 0";
    expect_io_error([&] { read_all(d.file("csc.h5ad")); }, {d.file("csc.h5ad"), shown, "outside 0..2"});
  }
}

TEST(ReaderRules, MtxAndTenxDirectoryEntriesOutsideTheMatrixAreErrors) {
  ScratchDir d("mtx_bounds");
  const Entries e = with_repeats();
  const auto names = mtx_names(d, e);
  const std::string bad = "%%MatrixMarket matrix coordinate real general\n4 3 2\n1 1 1\n5 2 1\n";
  std::ofstream(d.file("m.mtx")) << bad;
  expect_io_error([&] { read_all(d.file("m.mtx"), names); }, {d.file("m.mtx"), "line 4", "(5, 2) outside", "4 x 3"});
  write_tenx_dir_entries(d.file("tenx"), e);
  std::ofstream(d.file("tenx") + "/matrix.mtx") << "%%MatrixMarket matrix coordinate real general\n4 3 2\n1 1 1\n2 4 1\n";
  expect_io_error([&] { read_all(d.file("tenx")); }, {"matrix.mtx", "line 4", "(2, 4) outside"});
}

TEST(ReaderRules, RepeatedCellIdsAreRefusedByEveryReader) {
  ScratchDir d("dup_cells");
  Entries e = with_repeats();
  e.cells = {"c0", "c1", "c0"};
  const auto in = every_format(d, e, "gene,c0,c1,c0\ng0,1,0,2\n");
  // Each names where the ids came from, the id and the two cells.
  const std::vector<std::string> from = {d.file("x.h5ad") + ": obs", d.file("csc.h5ad") + ": obs", "x.h5: matrix/barcodes",
                                         "tenx/barcodes.tsv", in[4].options.cells_file, d.file("dense.csv")};
  for (std::size_t i = 0; i < in.size(); ++i)
    expect_io_error([&] { read_all(in[i].path, in[i].options); }, {from[i], "cell id 'c0' appears more than once", "cells 1 and 3"});
}

TEST(ReaderRules, RepeatedGeneNamesAreMadeUniqueAsAnndataDoesWithAWarning) {
  std::vector<std::string> names = {"A", "B", "A", "A-1", "A", "B"};
  std::string example;
  EXPECT_EQ(detail::make_unique_names(names, example), 3);
  EXPECT_EQ(example, "A");
  // anndata.utils.make_index_unique: "A-1" is taken, so the second "A" becomes "A-2".
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B", "A-2", "A-1", "A-3", "B-1"}));

  ScratchDir d("dup_genes");
  Entries e = with_repeats();
  e.genes = {"TBCE", "g1", "TBCE", "g3"};
  const auto inputs = every_format(d, e, "gene,c0,c1,c2\nTBCE,1,0,2\ng1,0,0,1\nTBCE,3,0,0\ng3,0,1,0\n");
  const std::vector<std::string> want = {"TBCE", "g1", "TBCE-1", "g3"};
  for (const auto& [path, o] : inputs) {
    auto r = io::open_matrix(path, o);
    EXPECT_EQ(r->gene_names(), want) << path;
    ASSERT_EQ(r->warnings().size(), 1u) << path;
    EXPECT_NE(r->warnings()[0].find("var_names_make_unique"), std::string::npos) << r->warnings()[0];
    EXPECT_NE(r->warnings()[0].find("'TBCE'"), std::string::npos) << r->warnings()[0];
  }
}

TEST(ReaderRules, NamesWithTabsNewlinesOrNothingAreRefusedNamingFileAndName) {
  ScratchDir d("bad_names");
  Entries e = with_repeats();
  Entries tab = e;
  tab.genes[1] = "g\t1";
  write_h5ad_entries(d.file("tab.h5ad"), tab, false);
  expect_io_error([&] { io::open_matrix(d.file("tab.h5ad")); }, {d.file("tab.h5ad") + ": var", "gene name 2", "'g\\t1'", "a tab"});
  Entries newline = e;
  newline.cells[2] = "c\n2";
  write_tenx_h5_entries(d.file("nl.h5"), newline);
  expect_io_error([&] { io::open_matrix(d.file("nl.h5")); }, {"/barcodes", "cell id 3", "'c\\n2'", "a newline"});
  Entries empty = e;
  empty.cells[0] = "";
  write_h5ad_entries(d.file("empty.h5ad"), empty, true);
  expect_io_error([&] { io::open_matrix(d.file("empty.h5ad")); }, {"obs", "cell id 1 of 3 is empty"});
  std::ofstream(d.file("dense.csv")) << "gene,c0,c1\ng\t0,1,2\n";
  expect_io_error([&] { io::open_matrix(d.file("dense.csv")); }, {d.file("dense.csv"), "'g\\t0'", "a tab"});
  std::ofstream(d.file("dense2.csv")) << "gene,c0,c1\n,1,2\n";
  expect_io_error([&] { io::open_matrix(d.file("dense2.csv")); }, {d.file("dense2.csv"), "gene name 1 of 1 is empty"});
  // A carriage return inside a 10x feature name (the line's own is removed).
  write_tenx_dir_entries(d.file("tenx"), e);
  std::ofstream(d.file("tenx") + "/features.tsv") << "a\ta\tGene Expression\nb\tb\rx\tGene Expression\nc\tc\tGene "
                                                     "Expression\nd\td\tGene Expression\n";
  expect_io_error([&] { io::open_matrix(d.file("tenx")); }, {"features.tsv", "gene name 2", "a carriage return"});
}

TEST(ReaderRules, OptionsThatDoNotApplyToTheInputAreRefused) {
  ScratchDir d("options");
  const Entries e = with_repeats();
  write_h5ad_entries(d.file("x.h5ad"), e, false);
  write_tenx_h5_entries(d.file("x.h5"), e);
  write_tenx_dir_entries(d.file("tenx"), e);
  write_mtx_entries(d.file("m.mtx"), e);
  std::ofstream(d.file("dense.csv")) << "gene,c0\ng0,1\n";
  const auto names = mtx_names(d, e);
  auto with = [](std::function<void(io::ReaderOptions&)> set, io::ReaderOptions o = {}) {
    set(o);
    return o;
  };
  const auto genes = with([&](auto& o) { o.genes_file = names.genes_file; });
  const auto layer = with([](auto& o) { o.layer = "counts"; });
  const auto raw = with([](auto& o) { o.use_raw = true; });
  const auto types = with([](auto& o) { o.feature_types = {"all"}; });
  const auto column = with([](auto& o) { o.gene_column = "id"; });
  const auto cells = with([&](auto& o) { o.cells_file = names.cells_file; });
  const std::string h5ad = d.file("x.h5ad"), tenx = d.file("tenx"), h5 = d.file("x.h5"), mtx = d.file("m.mtx"),
                    dense = d.file("dense.csv");
  expect_option_error([&] { io::open_matrix(h5ad, genes); }, "genes_file",
                      {h5ad, "applies only to MatrixMarket (.mtx) inputs, not to an .h5ad input", "drop it"});
  expect_option_error([&] { io::open_matrix(h5ad, types); }, "feature_types", {"applies only to 10x"});
  expect_option_error([&] { io::open_matrix(tenx, layer); }, "layer", {tenx, "applies only to .h5ad inputs, not to a 10x directory"});
  expect_option_error([&] { io::open_matrix(tenx, raw); }, "use_raw", {tenx});
  expect_option_error([&] { io::open_matrix(h5, cells); }, "cells_file", {"not to a 10x .h5 input"});
  expect_option_error([&] { io::open_matrix(h5, layer); }, "layer", {h5});
  expect_option_error([&] { io::open_matrix(mtx, with([](auto& o) { o.layer = "x"; }, names)); }, "layer", {mtx});
  expect_option_error([&] { io::open_matrix(mtx, with([](auto& o) { o.gene_column = "id"; }, names)); }, "gene_column",
                      {"applies only to .h5ad and 10x inputs"});
  expect_option_error([&] { io::open_matrix(dense, column); }, "gene_column", {dense, "a dense text input"});
  expect_option_error([&] { io::open_matrix(dense, genes); }, "genes_file", {dense});
  // gene_column on a 10x input takes only the two columns 10x files have.
  expect_option_error([&] { io::open_matrix(tenx, with([](auto& o) { o.gene_column = "symbol"; })); }, "gene_column",
                      {"not 'symbol'", "'id'", "'name'"});
  EXPECT_EQ(io::open_matrix(d.file("tenx"), column)->gene_names().front(), "ID_g0");
  EXPECT_EQ(io::open_matrix(d.file("x.h5"), column)->gene_names().front(), "ID_g0");
}

TEST(ReaderRules, InputsWithoutGenesOrCellsAreRefused) {
  ScratchDir d("empty");
  Entries none = with_repeats();
  none.genes.clear();
  none.list.clear();
  write_h5ad_entries(d.file("nogenes.h5ad"), none, false);
  expect_io_error([&] { io::open_matrix(d.file("nogenes.h5ad")); }, {d.file("nogenes.h5ad"), "no genes"});
  Entries nocells = with_repeats();
  nocells.cells.clear();
  nocells.list.clear();
  write_h5ad_entries(d.file("nocells.h5ad"), nocells, false);
  expect_io_error([&] { io::open_matrix(d.file("nocells.h5ad")); }, {d.file("nocells.h5ad"), "no cells"});
  write_tenx_dir_entries(d.file("tenx"), none);
  expect_io_error([&] { io::open_matrix(d.file("tenx")); }, {"features.tsv", "no genes"});
  write_lines(d.file("genes.txt"), {});
  write_lines(d.file("cells.txt"), {"c0"});
  std::ofstream(d.file("m.mtx")) << "%%MatrixMarket matrix coordinate integer general\n0 1 0\n";
  io::ReaderOptions o;
  o.genes_file = d.file("genes.txt");
  o.cells_file = d.file("cells.txt");
  expect_io_error([&] { io::open_matrix(d.file("m.mtx"), o); }, {d.file("genes.txt"), "no genes"});
  std::ofstream(d.file("dense.csv")) << "gene,c0,c1\n";
  expect_io_error([&] { io::open_matrix(d.file("dense.csv")); }, {d.file("dense.csv"), "no gene rows"});
}

// Two genes, one antibody, one guide; the antibody in the middle, so columns are renumbered.
std::vector<std::string> feature_types() { return {"Gene Expression", "Antibody Capture", "Gene Expression", "CRISPR Guide Capture"}; }

TEST(ReaderRules, TenxFeatureTypesReadGeneExpressionByDefault) {
  ScratchDir d("feature_types");
  const Entries e = with_repeats();
  write_tenx_dir_entries(d.file("tenx"), e, feature_types());
  write_tenx_h5_entries(d.file("x.h5"), e, feature_types());
  for (const std::string path : {d.file("tenx"), d.file("x.h5")}) {
    SCOPED_TRACE(path);
    // Default: genes g0 and g2 only; cell 2's antibody (g1) and guide (g3) entries are gone.
    const WholeMatrix gex = read_all(path);
    EXPECT_EQ(gex.genes, (std::vector<std::string>{"g0", "g2"}));
    EXPECT_EQ(gex.indptr, (std::vector<std::int64_t>{0, 2, 2, 2}));
    EXPECT_EQ(gex.indices, (std::vector<std::int32_t>{0, 1}));
    EXPECT_EQ(gex.values, (std::vector<double>{2, 4}));
    auto r = io::open_matrix(path);
    ASSERT_EQ(r->warnings().size(), 1u);
    EXPECT_NE(r->warnings()[0].find("left out 'Antibody Capture' (1), 'CRISPR Guide Capture' (1)"), std::string::npos)
        << r->warnings()[0];
    io::ReaderOptions all;
    all.feature_types = {"all"};
    EXPECT_EQ(read_all(path, all), summed());
    EXPECT_TRUE(io::open_matrix(path, all)->warnings().empty());
    io::ReaderOptions adt;
    adt.feature_types = {"Antibody Capture"};
    const WholeMatrix antibody = read_all(path, adt);
    EXPECT_EQ(antibody.genes, (std::vector<std::string>{"g1"}));
    EXPECT_EQ(antibody.indices, (std::vector<std::int32_t>{0}));
    EXPECT_EQ(antibody.values, std::vector<double>{summed().values[2]});
    io::ReaderOptions peaks;
    peaks.feature_types = {"Peaks"};
    expect_option_error([&] { io::open_matrix(path, peaks); }, "feature_types",
                        {"no features of type 'Peaks'", "'Gene Expression' (2), 'Antibody Capture' (1)"});
  }
  // Only antibodies: nothing to read by default, and the message says what there is.
  write_tenx_dir_entries(d.file("adt"), e, std::vector<std::string>(4, "Antibody Capture"));
  expect_option_error([&] { io::open_matrix(d.file("adt")); }, "feature_types",
                      {"no features of type 'Gene Expression' (read by default)", "'Antibody Capture' (4)"});
}

TEST(ReaderRules, LzfCompressedH5adSaysTheFilterIsMissingAndHowToRewrite) {
  // tests/data/lzf.h5ad: written by tests/io/make_lzf_h5ad.py with h5py's compression="lzf".
  const std::string p = data_path("lzf.h5ad");
  expect_io_error([&] { read_all(p); }, {p, "/X/data", "LZF", "not available", "compression=\"gzip\"", "hdf5plugin"});
}

TEST(ReaderRules, FilesOfOtherToolsGetHowToConvertThem) {
  ScratchDir d("other_tools");
  for (const char* name : {"obj.rds", "obj.RData", "x.h5Seurat", "x.loom"}) std::ofstream(d.file(name)) << "x";
  expect_io_error([&] { io::open_matrix(d.file("obj.rds")); }, {"an R data file", "sceasy::convertFormat", "zellkonverter"});
  expect_io_error([&] { io::open_matrix(d.file("obj.RData")); }, {"an R data file"});
  expect_io_error([&] { io::open_matrix(d.file("x.h5Seurat")); }, {"SeuratDisk::Convert"});
  expect_io_error([&] { io::open_matrix(d.file("x.loom")); }, {"anndata.read_loom"});
  // A loom file under another name is recognised by its content.
  {
    h5::Handle f = h5::create_file(d.file("loom.h5"));
    write_dataset_as(f, "matrix", H5T_IEEE_F32LE, {1, 2}, {});
    h5::create_group(f, "row_attrs");
    h5::create_group(f, "col_attrs");
  }
  expect_io_error([&] { io::open_matrix(d.file("loom.h5")); }, {"a loom file", "anndata.read_loom"});
  std::filesystem::create_directories(d.file("x.zarr"));
  expect_io_error([&] { io::open_matrix(d.file("x.zarr")); }, {"zarr", "anndata.read_zarr"});
}

TEST(ReaderRules, GeneNamesThatLookLikeBarcodesWarnOfATransposedMatrix) {
  ScratchDir d("transposed");
  std::ofstream(d.file("t.csv")) << "cell,ACTB,GAPDH\nAAACCTGAGAAGGCCT-1,1,0\nAAACCTGAGACAGACC-1,0,3\n";
  auto r = io::open_matrix(d.file("t.csv"));
  ASSERT_EQ(r->warnings().size(), 1u);
  EXPECT_NE(r->warnings()[0].find("look like cell barcodes"), std::string::npos) << r->warnings()[0];
  EXPECT_NE(r->warnings()[0].find("transposed"), std::string::npos) << r->warnings()[0];
  std::ofstream(d.file("ok.csv")) << "gene,AAACCTGAGAAGGCCT-1,AAACCTGAGACAGACC-1\nACTB,1,0\nGAPDH,0,3\n";
  EXPECT_TRUE(io::open_matrix(d.file("ok.csv"))->warnings().empty());
  // A MatrixMarket matrix whose one dimension matches the other name file.
  write_lines(d.file("genes.txt"), {"a", "b", "c"});
  write_lines(d.file("cells.txt"), {"x", "y"});
  std::ofstream(d.file("m.mtx")) << "%%MatrixMarket matrix coordinate integer general\n2 4 0\n";
  io::ReaderOptions o;
  o.genes_file = d.file("genes.txt");
  o.cells_file = d.file("cells.txt");
  expect_io_error([&] { io::open_matrix(d.file("m.mtx"), o); }, {"may be transposed"});
}

TEST(ReaderRules, TenxDirectoryOffersItsMetadataCsv) {
  ScratchDir d("tenx_meta");
  write_tenx_dir_entries(d.file("tenx"), with_repeats());
  EXPECT_EQ(io::open_matrix(d.file("tenx"))->metadata_file(), "");
  std::ofstream(d.file("tenx") + "/metadata.csv") << "cell,sam\nc0,a\nc1,a\nc2,b\n";
  EXPECT_EQ(io::open_matrix(d.file("tenx"))->metadata_file(), d.file("tenx") + "/metadata.csv");
}

}  // namespace
}  // namespace flashmm::testing
