#include "cli/fit_results.hpp"

#include <flashmm/device.hpp>

#include "cli/fit_tables.hpp"

#include "util/parallel.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <utility>

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
  lo.fim_beta = o.fim_beta;  // fit.h5 holds it only with --fim-beta: not kept otherwise
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
  model["contrasts"] = provenance_text(o.contrasts);
  model["test"] = provenance_text(o.tests.patterns);
  model["nuisance"] = provenance_text(o.tests.nuisance);
  return model;
}

std::string provenance_text(const std::vector<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : "\n") + v;
  return s;
}

std::vector<std::string> provenance_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

FitFileTask::FitFileTask(OutputDir& out, const LmmFit& fit, io::FitProvenance provenance, const FitOptions& o,
                         int threads)
    : out_(out), fit_(fit), provenance_(std::move(provenance)) {
  options_.fim_beta = o.fim_beta;
  if (detail::resolve_threads(threads) == 1) return;
  try {
    started_ = std::async(std::launch::async, [this] { write(); });
  } catch (const std::system_error&) {
    // No thread to spare: finish() writes it.
  }
}

FitFileTask::~FitFileTask() {
  if (started_.valid()) started_.wait();
}

void FitFileTask::write() const {
  out_.write(fit_output_names().back(), [&](const std::string& path) { io::write_fit(path, fit_, provenance_, options_); });
}

void FitFileTask::finish() {
  if (done_) return;
  if (started_.valid()) started_.get();
  else write();
  done_ = true;
}

void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, FitFileTask& fit_file,
                       const FitOptions& o, int threads, const ProgressCallback& progress) {
  DeTableInfo info;
  const io::FitProvenance& provenance = fit_file.provenance();
  if (const auto it = provenance.find("transform"); it != provenance.end()) info.transform = it->second;
  info.df = o.df == "satterthwaite" ? DfMethod::satterthwaite : DfMethod::residual;
  write_results(out, fit, table, info, [&fit_file] { fit_file.finish(); }, threads, progress);
}

void write_fit_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const io::FitProvenance& provenance,
                       const FitOptions& o, int threads, const ProgressCallback& progress) {
  FitFileTask fit_file(out, fit, provenance, o, 1);
  write_fit_results(out, fit, table, fit_file, o, threads, progress);
}

}  // namespace flashmm::cli
