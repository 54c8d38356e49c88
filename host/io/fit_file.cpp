#include <flashmm/io/fit_file.hpp>

#include "io/hdf5_matrix.hpp"
#include "io/stats_arrays.hpp"
#include "fit/fit_context.hpp"

namespace flashmm::io {

namespace h = flashmm::detail::h5;

namespace {
constexpr h::FileFormat kFormat{"flashmm-fit", 1, "fit", "flashmm de and flashmm fit write one as DIR/fit.h5"};
// Contiguous datasets: on the tuberculosis-like fit (2,000 genes, p = 59) byte shuffling and
// deflate level 1 save 21% of the size at 4.5 times the writing time (benchmarks/RESULTS.md,
// "Writing").
constexpr int kGzip = 0;

GeneStatus status_from(const std::string& s, const std::string& path) {
  for (GeneStatus st : kGeneStatuses)
    if (s == to_string(st)) return st;
  h::fail(path, "unknown gene status '" + s + "'");
}
}  // namespace

void write_fit(const std::string& path, const LmmFit& fit, const FitProvenance& provenance,
               const FitFileOptions& options) {
  h::write_file(path, [&](hid_t file) {
    h::write_header(file, kFormat);
    h::write_string_attr(file, "method", to_string(fit.method));
    h::write_scalar_attr(file, "n", static_cast<std::int64_t>(fit.n));
    h::write_scalar_attr(file, "epsilon", fit.epsilon);
    h::write_scalar_attr(file, "max_iter", static_cast<std::int64_t>(fit.max_iter));
    std::vector<std::string> keys, values;
    for (const auto& [key, value] : provenance) {
      keys.push_back(key);
      values.push_back(value);
    }
    h::write_string_array_attr(file, "option_names", keys);
    h::write_string_array_attr(file, "option_values", values);
    const Index p = fit.n_fixed(), k1 = fit.k() + 1;
    h::write_matrix(file, "coef", fit.coef.transpose(), kGzip);
    h::write_matrix(file, "se", fit.se.transpose(), kGzip);
    h::write_matrix(file, "t", fit.t.transpose(), kGzip);
    h::write_matrix(file, "p", fit.p.transpose(), kGzip);
    h::write_matrix(file, "df", fit.df.transpose(), kGzip);
    h::write_matrix(file, "theta", fit.theta.transpose(), kGzip);
    h::write_matrix(file, "se_theta", fit.se_theta.transpose(), kGzip);
    h::write_matrix(file, "dlogL", fit.dlogL.transpose(), kGzip);
    h::write_matrix(file, "blup", fit.blup.transpose(), kGzip);
    h::write_matrix_stack(file, "cov", fit.cov, p, p, kGzip);
    if (options.fim_beta && fit.fim_beta.size() > 0) h::write_matrix_stack(file, "fim_beta", fit.fim_beta, p, p, kGzip);
    h::write_matrix_stack(file, "fim_theta", fit.fim_theta, k1, k1, kGzip);
    h::write_matrix(file, "logLik", fit.logLik, kGzip);
    h::write_ints(file, "niter", fit.niter);
    h::write_ints(file, "d", fit.d);
    std::vector<std::string> status;
    for (GeneStatus s : fit.status) status.emplace_back(to_string(s));
    h::write_strings(file, "status", status);
    h::write_names(file, fit);
    h::write_string_attr(file, "df_method", to_string(fit.df_method));
    if (fit.context) {
      // The statistics the fit was made from, so that inference on the fit read back (the
      // Satterthwaite df of new contrasts) sees what the fit saw.
      h::write_string_attr(file, "path", fit.context->spectral() ? "spectral" : fit.context->structured() ? "structured" : "general");
      h::Handle stats = h::create_group(file, "stats");
      h::write_stats_arrays(stats, fit.context->stats(), kGzip, false);
    }
  });
}

LmmFit read_fit(const std::string& path, FitProvenance* provenance) {
  h::Handle file = h::open_file(path);
  h::check_header(file, path, kFormat);
  LmmFit fit;
  const std::string method = h::read_string_attr(file, "method");
  fit.method = method == "ML" ? Method::ml : Method::reml;
  fit.n = h::read_int64_attr(file, "n");
  fit.epsilon = h::read_double_attr(file, "epsilon");
  fit.max_iter = static_cast<int>(h::read_int64_attr(file, "max_iter"));
  fit.coef = h::read_matrix(file, "coef").transpose();
  fit.se = h::read_matrix(file, "se").transpose();
  fit.t = h::read_matrix(file, "t").transpose();
  fit.p = h::read_matrix(file, "p").transpose();
  fit.df = h::read_matrix(file, "df").transpose();
  fit.theta = h::read_matrix(file, "theta").transpose();
  fit.se_theta = h::read_matrix(file, "se_theta").transpose();
  fit.dlogL = h::read_matrix(file, "dlogL").transpose();
  fit.blup = h::read_matrix(file, "blup").transpose();
  fit.cov = h::read_matrix_stack(file, "cov");
  if (h::is_dataset(file, "fim_beta")) fit.fim_beta = h::read_matrix_stack(file, "fim_beta");
  fit.fim_theta = h::read_matrix_stack(file, "fim_theta");
  fit.logLik = h::read_vector(file, "logLik");
  fit.niter = h::read_ints(file, "niter");
  fit.d = h::read_ints(file, "d");
  for (const auto& s : h::read_strings(h::open_dataset(file, "status"))) fit.status.push_back(status_from(s, path));
  h::read_names(file, fit);
  const std::string df_method = h::read_string_attr(file, "df_method", "residual");
  if (df_method != "residual" && df_method != "satterthwaite") h::fail(path, "holds an unknown df method '" + df_method + "'");
  fit.df_method = df_method == "satterthwaite" ? DfMethod::satterthwaite : DfMethod::residual;
  const auto G = static_cast<std::size_t>(fit.coef.cols());
  if (fit.gene_names.size() != G || fit.status.size() != G || fit.niter.size() != G ||
      fit.fixed_names.size() != static_cast<std::size_t>(fit.coef.rows()) || fit.cov.cols() != fit.coef.cols())
    h::fail(path, "holds arrays of inconsistent sizes (truncated or edited file?)");
  if (provenance != nullptr) {
    const auto keys = h::read_string_array_attr(file, "option_names");
    const auto values = h::read_string_array_attr(file, "option_values");
    if (keys.size() != values.size()) h::fail(path, "holds option names and values of different lengths");
    provenance->clear();
    for (std::size_t i = 0; i < keys.size(); ++i) (*provenance)[keys[i]] = values[i];
  }
  if (h::is_group(file, "stats")) {
    auto stats = std::make_shared<SummaryStats>(h::read_stats_arrays(h::open_group(file, "stats")));
    LmmOptions options;
    options.method = fit.method;
    const std::string fit_path = h::read_string_attr(file, "path", "spectral");
    options.path = fit_path == "general" ? FitPath::general : fit_path == "structured" ? FitPath::structured : FitPath::automatic;
    try {
      if (stats->genes() != fit.n_genes() || stats->p() != fit.n_fixed() || stats->k() != fit.k())
        throw InputError("their shape differs from the fit's");
      fit.context = std::make_shared<const detail::FitContext>(std::move(stats), options);
    } catch (const Error& e) {
      h::fail(path, std::string("holds summary statistics that do not fit its model: ") + e.what());
    }
  }
  return fit;
}

}  // namespace flashmm::io
