#pragma once
// Dense matrices in our own HDF5 files (summary statistics, fits): a 2-D dataset of shape
// (rows, cols) in HDF5's row-major order, so that h5py and R's rhdf5 see the matrix as it is.
#include "io/hdf5_util.hpp"

#include <Eigen/Dense>

namespace flashmm::detail::h5 {

/// Writes m (rows x cols) as a 2-D double dataset; shuffled and gzip-compressed when level > 0,
/// the chunks on `threads` threads (0: all; h5_chunk_writer.hpp).
void write_matrix(hid_t loc, const std::string& name, const Eigen::MatrixXd& m, int gzip_level = 0, int threads = 1);
/// Writes a 3-D dataset (count, rows, cols) from `count` column-major rows x cols matrices stored
/// one per column of `flat` ((rows*cols) x count), e.g. per-gene covariance matrices.
void write_matrix_stack(hid_t loc, const std::string& name, const Eigen::MatrixXd& flat, Index rows, Index cols,
                        int gzip_level = 0);
/// Reads a 2-D double dataset written by write_matrix; IoError naming the file and dataset when
/// it is missing or not 2-D.
Eigen::MatrixXd read_matrix(hid_t loc, const std::string& name);
/// Reads a 3-D dataset written by write_matrix_stack back into the flat layout.
Eigen::MatrixXd read_matrix_stack(hid_t loc, const std::string& name);

/// A rows x cols row-major int64 array as a 2-D dataset (shuffled and gzip-compressed when
/// level > 0, the chunks on `threads` threads), and back (IoError when the dataset is not
/// rows x `cols`).
void write_int64_rows(hid_t loc, const std::string& name, const std::int64_t* data, Index rows, Index cols,
                      int gzip_level = 0, int threads = 1);
std::vector<std::int64_t> read_int64_rows(hid_t loc, const std::string& name, Index cols);

/// A 2-D dataset written by write_matrix as a vector (all its values, column by column).
Eigen::VectorXd read_vector(hid_t loc, const std::string& name);
/// A 1-D int64 dataset from / to ints.
void write_ints(hid_t loc, const std::string& name, const std::vector<int>& v);
std::vector<int> read_ints(hid_t loc, const std::string& name);

/// The four name datasets of a fit or of summary statistics (fixed_names, random_names,
/// component_names, gene_names).
template <class T>
void write_names(hid_t file, const T& x) {
  write_strings(file, "fixed_names", x.fixed_names);
  write_strings(file, "random_names", x.random_names);
  write_strings(file, "component_names", x.component_names);
  write_strings(file, "gene_names", x.gene_names);
}
template <class T>
void read_names(hid_t file, T& x) {
  x.fixed_names = read_strings(open_dataset(file, "fixed_names"));
  x.random_names = read_strings(open_dataset(file, "random_names"));
  x.component_names = read_strings(open_dataset(file, "component_names"));
  x.gene_names = read_strings(open_dataset(file, "gene_names"));
}

/// The identity of one of our file formats, held in the file's `format` and `version` attributes.
struct FileFormat {
  const char* name;      ///< the `format` attribute
  std::int64_t version;  ///< the `version` attribute
  const char* kind;      ///< what the file is, for messages ("fit", "summary-statistics")
  const char* origin;    ///< how to make one, for messages
};
void write_header(hid_t file, const FileFormat& format);
/// IoError naming `path` when the file is not of `format` or of another version.
void check_header(hid_t file, const std::string& path, const FileFormat& format);

/// A scalar int64 or double attribute.
void write_scalar_attr(hid_t obj, const std::string& name, double value);
void write_scalar_attr(hid_t obj, const std::string& name, std::int64_t value);
double read_double_attr(hid_t obj, const std::string& name);
std::int64_t read_int64_attr(hid_t obj, const std::string& name);

}  // namespace flashmm::detail::h5
