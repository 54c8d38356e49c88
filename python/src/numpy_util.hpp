#pragma once
// Library arrays as numpy arrays.
#include <flashmm/types.hpp>

#include <pybind11/numpy.h>

#include <cstring>
#include <vector>

namespace flashmm::python {

namespace py = pybind11;

/// A vector handed to numpy without a copy (the array owns it).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owned->size())}, {static_cast<py::ssize_t>(sizeof(T))},
                        owned->data(), free_when_done);
}

/// A per-gene matrix of the library (rows x genes, column-major) as a genes x rows array, the
/// layout of the program's tables (one row per gene). Copied: the arrays are small.
inline py::array_t<double> genes_by_rows(const Eigen::MatrixXd& m) {
  py::array_t<double> out({static_cast<py::ssize_t>(m.cols()), static_cast<py::ssize_t>(m.rows())});
  if (m.size() > 0) std::memcpy(out.mutable_data(), m.data(), sizeof(double) * static_cast<std::size_t>(m.size()));
  return out;
}

/// A matrix as a numpy array of the same shape (copied).
inline py::array_t<double> matrix(const Eigen::MatrixXd& m) {
  py::array_t<double> out({static_cast<py::ssize_t>(m.rows()), static_cast<py::ssize_t>(m.cols())});
  auto r = out.mutable_unchecked<2>();
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.cols(); ++j) r(i, j) = m(i, j);
  return out;
}

inline py::array_t<double> vector(const Eigen::VectorXd& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  if (v.size() > 0) std::memcpy(out.mutable_data(), v.data(), sizeof(double) * static_cast<std::size_t>(v.size()));
  return out;
}

}  // namespace flashmm::python
