// Format detection for open_matrix(): by what the path is (directory), its extension, then
// its content (HDF5 signature and groups).
#include "io/gzip_lines.hpp"
#include "io/h5_matrix_readers.hpp"
#include "io/path_util.hpp"
#include "io/reader_base.hpp"

#include <flashmm/error.hpp>

#include <filesystem>

namespace flashmm::io {

using detail::ends_with_nocase;

std::unique_ptr<MatrixReader> open_matrix(const std::string& path, const ReaderOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path + ": no such file or directory; check the path");
  if (fs::is_directory(path, ec)) return detail::open_tenx_dir(path, options);

  if (ends_with_nocase(path, ".h5ad")) return detail::open_h5ad(path, options);
  if (ends_with_nocase(path, ".mtx") || ends_with_nocase(path, ".mtx.gz")) {
    if (options.genes_file.empty() || options.cells_file.empty())
      throw IoError(path + ": a MatrixMarket file needs its gene names and cell ids: give the genes file and the cells file");
    auto genes = detail::read_names(options.genes_file, 0);
    auto cells = detail::read_names(options.cells_file, 0);
    return detail::open_mtx(path, std::move(genes), std::move(cells), options.genes_file + " and " + options.cells_file);
  }
  for (const char* ext : {".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz"})
    if (ends_with_nocase(path, ext)) return detail::open_dense_text(path);

  // By content: an HDF5 file with a 10x "matrix" group or an AnnData X.
  detail::h5::silence_errors();
  if (H5Fis_hdf5(path.c_str()) > 0) {
    bool tenx = false, anndata = false;
    {
      detail::h5::Handle f = detail::h5::open_file(path);
      anndata = detail::h5::exists(f, "X") && detail::h5::is_group(f, "obs");
      tenx = detail::h5::is_group(f, "matrix") || (!anndata && !detail::find_tenx_group(f).empty());
    }
    if (tenx) return detail::open_tenx_h5(path, options);
    if (anndata) return detail::open_h5ad(path, options);
    throw IoError(path + ": an HDF5 file that is neither AnnData (X, obs, var) nor a Cell Ranger .h5 (matrix group)");
  }
  if (ends_with_nocase(path, ".h5") || ends_with_nocase(path, ".hdf5"))
    throw IoError(path + ": is not an HDF5 file (corrupt or truncated?); re-export it");
  throw IoError(path + ": unknown matrix format; expected .h5ad, a 10x .h5, a 10x directory, .mtx[.gz] with gene and cell "
                "files, or a dense .csv/.tsv of genes x cells");
}

}  // namespace flashmm::io
