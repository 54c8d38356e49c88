#include "cli/fit_results.hpp"

#include <flashmm/device.hpp>

#include "cli/fit_tables.hpp"

#include <cstdio>

namespace flashmm::cli {

LmmOptions lmm_options(const FitOptions& o, const RunOptions& run) {
  LmmOptions lo;
  lo.method = o.method == "ml" ? Method::ml : Method::reml;
  lo.max_iter = o.max_iter;
  lo.epsilon = o.epsilon;
  lo.theta0 = o.theta0;
  lo.threads = run.threads;
  lo.df = o.df == "satterthwaite" ? DfMethod::satterthwaite : DfMethod::residual;
  lo.robust = o.robust;
  lo.nonnegative = o.nonnegative;
  lo.device = parse_device(run.device);
  return lo;
}

io::FitProvenance fit_provenance(io::FitProvenance model, const FitOptions& o) {
  char eps[32];
  std::snprintf(eps, sizeof eps, "%.17g", o.epsilon);
  model["method"] = o.method;
  model["max_iter"] = std::to_string(o.max_iter);
  model["epsilon"] = eps;
  model["df"] = o.df;
  model["robust"] = o.robust ? "true" : "false";
  model["nonnegative"] = o.nonnegative ? "true" : "false";
  return model;
}

void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const io::FitProvenance& provenance,
                       const FitOptions& o, int threads) {
  io::FitFileOptions file_options;
  file_options.fim_beta = o.fim_beta;
  write_results(out, fit, table, fit_output_names().back(),
                [&](const std::string& path) { io::write_fit(path, fit, provenance, file_options); }, threads);
}

}  // namespace flashmm::cli
