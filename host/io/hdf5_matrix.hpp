#pragma once
// Dense matrices in our own HDF5 files (summary statistics, fits): a 2-D dataset of shape
// (rows, cols) in HDF5's row-major order, so that h5py and R's rhdf5 see the matrix as it is.
#include "io/hdf5_util.hpp"

#include <Eigen/Dense>

namespace flashmm::detail::h5 {

/// Writes m (rows x cols) as a 2-D double dataset; gzip when level > 0.
void write_matrix(hid_t loc, const std::string& name, const Eigen::MatrixXd& m, int gzip_level = 0);
/// Writes a 3-D dataset (count, rows, cols) from `count` column-major rows x cols matrices stored
/// one per column of `flat` ((rows*cols) x count), e.g. per-gene covariance matrices.
void write_matrix_stack(hid_t loc, const std::string& name, const Eigen::MatrixXd& flat, Index rows, Index cols,
                        int gzip_level = 0);
/// Reads a 2-D double dataset written by write_matrix; IoError naming the file and dataset when
/// it is missing or not 2-D.
Eigen::MatrixXd read_matrix(hid_t loc, const std::string& name);
/// Reads a 3-D dataset written by write_matrix_stack back into the flat layout.
Eigen::MatrixXd read_matrix_stack(hid_t loc, const std::string& name);

/// A scalar int64 or double attribute.
void write_scalar_attr(hid_t obj, const std::string& name, double value);
void write_scalar_attr(hid_t obj, const std::string& name, std::int64_t value);
double read_double_attr(hid_t obj, const std::string& name);
std::int64_t read_int64_attr(hid_t obj, const std::string& name);

}  // namespace flashmm::detail::h5
