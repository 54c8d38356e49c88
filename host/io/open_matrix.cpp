// Format detection for open_matrix(): by what the path is (directory), its extension, then
// its content (HDF5 signature and groups); the options are checked against the format found,
// and the names against the rules every reader applies (ReaderBase::check_names).
#include "io/gzip_lines.hpp"
#include "io/h5_matrix_readers.hpp"
#include "io/path_util.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <filesystem>

namespace flashmm::io {

namespace {

using detail::ends_with_nocase;

enum class Format { h5ad, tenx_dir, tenx_h5, mtx, dense_text };

const char* format_name(Format f) {
  switch (f) {
    case Format::h5ad: return "an .h5ad input";
    case Format::tenx_dir: return "a 10x directory";
    case Format::tenx_h5: return "a 10x .h5 input";
    case Format::mtx: return "a MatrixMarket input";
    case Format::dense_text: return "a dense text input";
  }
  return "this input";
}

// An option given for a format it does not apply to is refused: silently ignored, it would read
// another matrix than the one asked for. The error names the option as ReaderOptions spells it.
void check_options(const std::string& path, Format f, const ReaderOptions& o) {
  struct Rule {
    bool given;
    const char* option;
    bool applies;
    const char* where;
  };
  const bool tenx = f == Format::tenx_dir || f == Format::tenx_h5;
  const Rule rules[] = {
      {!o.layer.empty(), "layer", f == Format::h5ad, ".h5ad"},
      {o.use_raw, "use_raw", f == Format::h5ad, ".h5ad"},
      {!o.gene_column.empty(), "gene_column", f == Format::h5ad || tenx, ".h5ad and 10x"},
      {!o.genes_file.empty(), "genes_file", f == Format::mtx, "MatrixMarket (.mtx)"},
      {!o.cells_file.empty(), "cells_file", f == Format::mtx, "MatrixMarket (.mtx)"},
      {!o.feature_types.empty(), "feature_types", tenx, "10x (directory or .h5)"},
  };
  for (const auto& r : rules)
    if (r.given && !r.applies)
      throw OptionError(r.option, path + ": the " + r.option + " option applies only to " + r.where + " inputs, not to " +
                                      format_name(f) + ", where it would change nothing: drop it");
}

// Files of other tools that hold single-cell data flashmm does not read: what to convert them to.
void refuse_other_tools(const std::string& path) {
  const std::string convert = "; flashmm reads .h5ad, 10x directories and .h5, MatrixMarket (.mtx) and dense CSV";
  if (ends_with_nocase(path, ".rds") || ends_with_nocase(path, ".rdata") || ends_with_nocase(path, ".rda"))
    throw IoError(path + ": an R data file" + convert +
                  ": in R, write a Seurat object as .h5ad with sceasy::convertFormat(obj, from = \"seurat\", to = "
                  "\"anndata\", outFile = \"data.h5ad\") (or SeuratDisk: SaveH5Seurat, then Convert(\"x.h5Seurat\", "
                  "dest = \"h5ad\")), a SingleCellExperiment with zellkonverter::writeH5AD(sce, \"data.h5ad\"), or the "
                  "counts with DropletUtils::write10xCounts(\"dir\", counts)");
  if (ends_with_nocase(path, ".h5seurat"))
    throw IoError(path + ": a Seurat .h5Seurat file" + convert +
                  ": convert it in R with SeuratDisk::Convert(\"" + path + "\", dest = \"h5ad\")");
  if (ends_with_nocase(path, ".loom"))
    throw IoError(path + ": a loom file" + convert + ": convert it in Python with anndata.read_loom(\"" + path +
                  "\").write_h5ad(\"data.h5ad\")");
  if (ends_with_nocase(path, ".zarr") || ends_with_nocase(path, ".zarr/"))
    throw IoError(path + ": an AnnData zarr store" + convert + ": convert it in Python with anndata.read_zarr(\"" + path +
                  "\").write_h5ad(\"data.h5ad\")");
}

// HDF5 files of other tools, recognised by their groups.
void refuse_other_hdf5(const std::string& path, hid_t f) {
  namespace h5 = detail::h5;
  if (h5::is_dataset(f, "matrix") && h5::is_group(f, "row_attrs") && h5::is_group(f, "col_attrs"))
    throw IoError(path + ": a loom file; flashmm reads .h5ad: convert it in Python with anndata.read_loom(\"" + path +
                  "\").write_h5ad(\"data.h5ad\")");
  if (h5::is_group(f, "assays") && h5::has_attr(f, "active.assay"))
    throw IoError(path + ": a Seurat .h5Seurat file; flashmm reads .h5ad: convert it in R with SeuratDisk::Convert(\"" +
                  path + "\", dest = \"h5ad\")");
}

std::unique_ptr<detail::ReaderBase> open_format(const std::string& path, const ReaderOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path + ": no such file or directory; check the path");
  refuse_other_tools(path);
  if (fs::is_directory(path, ec)) {
    if (fs::exists(fs::path(path) / ".zgroup", ec) || fs::exists(fs::path(path) / ".zattrs", ec))
      throw IoError(path + ": an AnnData zarr store; flashmm reads .h5ad: convert it in Python with anndata.read_zarr(\"" +
                    path + "\").write_h5ad(\"data.h5ad\")");
    check_options(path, Format::tenx_dir, options);
    return detail::open_tenx_dir(path, options);
  }

  if (ends_with_nocase(path, ".h5ad")) {
    check_options(path, Format::h5ad, options);
    return detail::open_h5ad(path, options);
  }
  if (ends_with_nocase(path, ".mtx") || ends_with_nocase(path, ".mtx.gz")) {
    check_options(path, Format::mtx, options);
    if (options.genes_file.empty() || options.cells_file.empty())
      throw OptionError(options.genes_file.empty() ? "genes_file" : "cells_file",
                        path + ": a MatrixMarket file needs its gene names and cell ids: give the file of " +
                            (options.genes_file.empty() ? "gene names" : "cell ids") +
                            " (one name a line, in row and column order)");
    auto genes = detail::read_names(options.genes_file, 0);
    auto cells = detail::read_names(options.cells_file, 0);
    return detail::open_mtx(path, std::move(genes), std::move(cells), options.genes_file, options.cells_file);
  }
  for (const char* ext : {".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz"})
    if (ends_with_nocase(path, ext)) {
      check_options(path, Format::dense_text, options);
      return detail::open_dense_text(path);
    }

  // By content: an HDF5 file with a 10x "matrix" group or an AnnData X.
  detail::h5::silence_errors();
  if (H5Fis_hdf5(path.c_str()) > 0) {
    bool tenx = false, anndata = false;
    {
      detail::h5::Handle f = detail::h5::open_file(path);
      refuse_other_hdf5(path, f);
      anndata = detail::h5::exists(f, "X") && detail::h5::is_group(f, "obs");
      tenx = detail::h5::is_group(f, "matrix") || (!anndata && !detail::find_tenx_group(f).empty());
    }
    if (tenx) {
      check_options(path, Format::tenx_h5, options);
      return detail::open_tenx_h5(path, options);
    }
    if (anndata) {
      check_options(path, Format::h5ad, options);
      return detail::open_h5ad(path, options);
    }
    throw IoError(path + ": an HDF5 file that is neither AnnData (X, obs, var) nor a Cell Ranger .h5 (matrix group)");
  }
  if (ends_with_nocase(path, ".h5") || ends_with_nocase(path, ".hdf5"))
    throw IoError(path + ": is not an HDF5 file (corrupt or truncated?); re-export it");
  throw IoError(path + ": unknown matrix format; expected .h5ad, a 10x .h5, a 10x directory, .mtx[.gz] with files of "
                "gene names and cell ids, or a dense .csv/.tsv of genes x cells");
}

}  // namespace

std::unique_ptr<MatrixReader> open_matrix(const std::string& path, const ReaderOptions& options) {
  std::unique_ptr<detail::ReaderBase> reader = open_format(path, options);
  reader->check_names();
  return reader;
}

}  // namespace flashmm::io
