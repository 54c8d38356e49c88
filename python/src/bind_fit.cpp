// Python bindings of the fit side: the fit of every gene (flashmm.de, flashmm.fit), its arrays,
// tests of more contrasts on it, its files (to_dir: the program's writers), and fit.h5 files.
#include <flashmm/backend.hpp>
#include <flashmm/contrast.hpp>
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/hypothesis_tests.hpp>
#include <flashmm/io/fit_file.hpp>
#include <flashmm/io/stats_file.hpp>

#include "cli/fit_options.hpp"
#include "cli/fit_results.hpp"
#include "cli/output_dir.hpp"

#include "bindings.hpp"
#include "cell_source.hpp"
#include "numpy_util.hpp"
#include "session.hpp"
#include "signal_handlers.hpp"
#include "stream.hpp"

#include <pybind11/stl.h>

namespace flashmm::python {

namespace {

template <class Stats>
FitHolder run_fit(Stats&& stats, const cli::FitOptions& o, const cli::RunOptions& run, io::FitProvenance model,
                  Session& session) {
  const auto fixed = model.find("fixed");
  const std::vector<Contrast> tests =
      cli::tests_for(stats.fixed_names, fixed == model.end() ? std::string() : fixed->second, o);
  LmmOptions lo = cli::lmm_options(o, run);
  const Index genes = stats.genes();
  lo.progress = session.progress_callback();
  FitHolder h;
  auto fit = std::make_shared<LmmFit>(fit_lmm(std::forward<Stats>(stats), lo));
  session.note(fit->notes);
  session.warn(fit->warnings);
  h.table = de_table(*fit, tests, lo.df, Alternative::two_sided, run.threads);
  h.fit = std::move(fit);
  h.options = o;
  h.model = std::move(model);
  session.checkpoint("fitting", genes, genes, true);
  return h;
}

py::dict table_dict(const DeTable& t) {
  py::dict d;
  d["genes"] = t.genes;
  std::vector<std::uint8_t> converged(t.converged.begin(), t.converged.end());
  d["converged"] = to_numpy(std::move(converged));
  py::list tests;
  for (const auto& test : t.tests)
    tests.append(py::make_tuple(test.name, vector(test.coef), vector(test.se), vector(test.t), vector(test.df),
                                vector(test.p), vector(test.fdr)));
  d["tests"] = tests;
  d["mean"] = vector(t.mean);
  d["nonzero_fraction"] = vector(t.nonzero_fraction);
  return d;
}

// The fit options a fit.h5 records (fit_provenance), read back so that to_dir writes them again.
cli::FitOptions options_from(const io::FitProvenance& p, const LmmFit& fit) {
  cli::FitOptions o;
  auto get = [&](const char* key) -> const std::string* {
    auto it = p.find(key);
    return it == p.end() ? nullptr : &it->second;
  };
  o.method = to_string(fit.method);
  o.max_iter = fit.max_iter;
  o.epsilon = fit.epsilon;
  o.df = to_string(fit.df_method);
  if (const auto* v = get("robust")) o.robust = *v == "true";
  if (const auto* v = get("nonnegative")) o.nonnegative = *v == "true";
  if (const auto* v = get("contrasts")) o.contrasts = cli::provenance_list(*v);
  if (const auto* v = get("test")) o.tests.patterns = cli::provenance_list(*v);
  if (const auto* v = get("nuisance")) o.tests.nuisance = cli::provenance_list(*v);
  return o;
}

const LmmFit& fit_of(const FitHolder& h) { return *h.fit; }

}  // namespace

void bind_fit(py::module_& m) {
  py::class_<cli::FitOptions>(m, "FitOptions")
      .def(py::init<>())
      .def_readwrite("contrasts", &cli::FitOptions::contrasts)
      .def_readwrite("method", &cli::FitOptions::method)
      .def_readwrite("max_iter", &cli::FitOptions::max_iter)
      .def_readwrite("epsilon", &cli::FitOptions::epsilon)
      .def_readwrite("theta0", &cli::FitOptions::theta0)
      .def_readwrite("df", &cli::FitOptions::df)
      .def_readwrite("robust", &cli::FitOptions::robust)
      .def_readwrite("nonnegative", &cli::FitOptions::nonnegative)
      .def_property(
          "test", [](const cli::FitOptions& o) { return o.tests.patterns; },
          [](cli::FitOptions& o, std::vector<std::string> v) { o.tests.patterns = std::move(v); })
      .def_property(
          "nuisance", [](const cli::FitOptions& o) { return o.tests.nuisance; },
          [](cli::FitOptions& o, std::vector<std::string> v) { o.tests.nuisance = std::move(v); });
  py::class_<cli::RunOptions>(m, "RunOptions")
      .def(py::init<>())
      .def_readwrite("threads", &cli::RunOptions::threads)
      .def_readwrite("device", &cli::RunOptions::device);

  py::class_<FitHolder>(m, "Fit")
      .def_property_readonly("method", [](const FitHolder& h) { return to_string(fit_of(h).method); })
      .def_property_readonly("df_method", [](const FitHolder& h) { return to_string(fit_of(h).df_method); })
      .def_property_readonly("n", [](const FitHolder& h) { return fit_of(h).n; })
      .def_property_readonly("d", [](const FitHolder& h) { return fit_of(h).d; })
      .def_property_readonly("fixed_names", [](const FitHolder& h) { return fit_of(h).fixed_names; })
      .def_property_readonly("component_names", [](const FitHolder& h) { return fit_of(h).component_names; })
      .def_property_readonly("random_names", [](const FitHolder& h) { return fit_of(h).random_names; })
      .def_property_readonly("gene_names", [](const FitHolder& h) { return fit_of(h).gene_names; })
      .def_property_readonly("coef", [](const FitHolder& h) { return genes_by_rows(fit_of(h).coef); })
      .def_property_readonly("se", [](const FitHolder& h) { return genes_by_rows(fit_of(h).se); })
      .def_property_readonly("t", [](const FitHolder& h) { return genes_by_rows(fit_of(h).t); })
      .def_property_readonly("p", [](const FitHolder& h) { return genes_by_rows(fit_of(h).p); })
      .def_property_readonly("df", [](const FitHolder& h) { return genes_by_rows(fit_of(h).df); })
      .def_property_readonly("theta", [](const FitHolder& h) { return genes_by_rows(fit_of(h).theta); })
      .def_property_readonly("se_theta", [](const FitHolder& h) { return genes_by_rows(fit_of(h).se_theta); })
      .def_property_readonly("dlogL", [](const FitHolder& h) { return genes_by_rows(fit_of(h).dlogL); })
      .def_property_readonly("cov", [](const FitHolder& h) { return genes_by_rows(fit_of(h).cov); })
      .def_property_readonly("blup", [](const FitHolder& h) { return genes_by_rows(fit_of(h).blup); })
      .def_property_readonly("logLik", [](const FitHolder& h) { return vector(fit_of(h).logLik); })
      .def_property_readonly("niter", [](const FitHolder& h) { return fit_of(h).niter; })
      .def_property_readonly("status",
                             [](const FitHolder& h) {
                               std::vector<std::string> s;
                               for (auto v : fit_of(h).status) s.emplace_back(to_string(v));
                               return s;
                             })
      .def_property_readonly("contrasts", [](const FitHolder& h) { return h.options.contrasts; })
      .def_property_readonly("model", [](const FitHolder& h) { return h.model; })
      .def_property_readonly("options", [](const FitHolder& h) { return h.options; })
      .def("table", [](const FitHolder& h) { return table_dict(h.table); })
      .def(
          "test",
          [](const FitHolder& h, const std::vector<std::string>& contrasts, const std::string& df,
             const std::string& alternative, int threads) {
            const LmmFit& fit = fit_of(h);
            const std::vector<Contrast> cs = parse_contrasts(contrasts, fit.fixed_names);
            const Alternative alt = parse_alternative(alternative);
            DeTable t;
            {
              py::gil_scoped_release release;
              if (df.empty()) {
                t = de_table(fit, cs, alt);
              } else {
                if (df != "residual" && df != "satterthwaite")
                  throw OptionError("df", "the degrees of freedom are 'residual' or 'satterthwaite', not '" + df + "'");
                t = de_table(fit, cs, df == "satterthwaite" ? DfMethod::satterthwaite : DfMethod::residual, alt,
                             threads);
              }
            }
            return table_dict(t);
          },
          py::arg("contrasts"), py::arg("df") = "", py::arg("alternative") = "two.sided", py::arg("threads") = 0)
      .def(
          "write_dir",
          [](const FitHolder& h, const std::string& path, bool force) {
            py::gil_scoped_release release;
            const KeepSignalHandlers keep;
            cli::OutputDir out(path, cli::fit_output_names(), force);
            cli::write_fit_results(out, fit_of(h), h.table, cli::fit_provenance(h.model, h.options), h.options);
            out.commit();
          },
          py::arg("path"), py::arg("force") = false,
          "The program's result set (coef.tsv ... de.tsv, fit.h5) in a directory, written by its writers");

  m.def(
      "gpu_available",
      [] {
        std::string why;
        const bool ok = flashmm::gpu_available(&why);
        return py::make_tuple(ok, why);
      },
      "(usable, why not): whether device='gpu' can run");
  m.def(
      "model_provenance",
      [](const std::string& input, const std::string& fixed, const std::vector<std::string>& random,
         const std::string& transform, const std::string& matrix) {
        io::StatsProvenance p;
        p.matrix = matrix;
        p.fixed_formula = fixed;
        p.random_formulas = random;
        p.transform = transform;
        return cli::model_provenance(input, p);
      }, py::arg("input"), py::arg("fixed"), py::arg("random"), py::arg("transform"), py::arg("matrix") = "",
        "What fit.h5 records of the model (input, fixed, random, transform, matrix)");
  m.def(
      "fit_stats",
      [](const StatsHolder& stats, const cli::FitOptions& o, const cli::RunOptions& run, io::FitProvenance model,
         Session& session) {
        return session.run([&] { return run_fit(stats.stats, o, run, std::move(model), session); });
      },
      "Fits every gene of summary statistics (copied: the statistics object stays usable)");
  m.def(
      "de",
      [](CellSource& source, std::vector<std::string> gene_names, Metadata& metadata, const StreamRequest& request,
         const cli::FitOptions& o, const cli::RunOptions& run, io::FitProvenance model, Session& session) {
        return session.run([&] {
          SummaryStats stats = stream_stats(source, std::move(gene_names), std::move(metadata), request, session);
          return run_fit(std::move(stats), o, run, std::move(model), session);
        });
      },
      "Cells -> summary statistics -> fit and tests, as the program's de (the metadata object is consumed)");
  m.def(
      "read_fit",
      [](const std::string& path) {
        py::gil_scoped_release release;
        FitHolder h;
        io::FitProvenance prov;
        auto fit = std::make_shared<LmmFit>(io::read_fit(path, &prov));
        h.options = options_from(prov, *fit);
        const auto fixed = prov.find("fixed");
        h.table = de_table(*fit, cli::tests_for(fit->fixed_names, fixed == prov.end() ? std::string() : fixed->second,
                                                h.options));
        h.model = std::move(prov);
        h.fit = std::move(fit);
        return h;
      },
      "A fit.h5 written by flashmm de or fit (or DEResult.to_dir)");
}

}  // namespace flashmm::python
