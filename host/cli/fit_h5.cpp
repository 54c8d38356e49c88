#include "cli/fit_h5.hpp"

#include "io/hdf5_util.hpp"

namespace flashmm::cli {

namespace {

namespace h5 = flashmm::detail::h5;

// An Eigen column-major (rows x G) matrix is, read in C order, a G x rows array: no copy needed.
void write_array(hid_t loc, const std::string& name, const double* data, std::vector<hsize_t> shape) {
  h5::Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose);
  h5::Handle ds(H5Dcreate2(loc, name.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                H5Dclose);
  if (ds.get() < 0 || H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw IoError("cannot write dataset '" + name + "' of '" + h5::file_name(loc) + "'");
}

}  // namespace

void write_fit_h5(const std::string& path, const LmmFit& fit,
                  const std::vector<std::pair<std::string, std::string>>& options) {
  const auto G = static_cast<hsize_t>(fit.n_genes()), p = static_cast<hsize_t>(fit.n_fixed()),
             k1 = static_cast<hsize_t>(fit.k() + 1), q = static_cast<hsize_t>(fit.blup.rows());
  h5::Handle file = h5::create_file(path);
  const hid_t f = file.get();
  write_array(f, "coef", fit.coef.data(), {G, p});
  write_array(f, "se", fit.se.data(), {G, p});
  write_array(f, "t", fit.t.data(), {G, p});
  write_array(f, "p", fit.p.data(), {G, p});
  write_array(f, "df", fit.df.data(), {G, p});
  write_array(f, "cov", fit.cov.data(), {G, p, p});
  write_array(f, "fim_beta", fit.fim_beta.data(), {G, p, p});
  write_array(f, "theta", fit.theta.data(), {G, k1});
  write_array(f, "se_theta", fit.se_theta.data(), {G, k1});
  write_array(f, "dlogL", fit.dlogL.data(), {G, k1});
  write_array(f, "fim_theta", fit.fim_theta.data(), {G, k1, k1});
  write_array(f, "blup", fit.blup.data(), {G, q});
  write_array(f, "logLik", fit.logLik.data(), {G});
  std::vector<std::int32_t> niter(fit.niter.begin(), fit.niter.end());
  h5::write_vector(f, "niter", niter);
  std::vector<std::uint8_t> converged;
  for (Index g = 0; g < fit.n_genes(); ++g) converged.push_back(fit.converged(g) ? 1 : 0);
  h5::write_bools(f, "converged", converged);
  h5::write_strings(f, "fixed_names", fit.fixed_names);
  h5::write_strings(f, "random_names", fit.random_names);
  h5::write_strings(f, "component_names", fit.component_names);
  h5::write_strings(f, "genes", fit.gene_names);
  for (const auto& [name, value] : options) h5::write_string_attr(f, name, value);
  if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) throw IoError("cannot write '" + path + "' (disk full?)");
}

}  // namespace flashmm::cli
