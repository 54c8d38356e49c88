#include "cli/fit_options.hpp"

#include <flashmm/de_table.hpp>
#include <flashmm/device.hpp>
#include <flashmm/error.hpp>

#include "cli/fit_results.hpp"
#include "cli/fit_tables.hpp"
#include "cli/messages.hpp"
#include "cli/option_checks.hpp"
#include "cli/output_dir.hpp"
#include "cli/progress.hpp"
#include "dist/communicator.hpp"
#include "dist/fit_gather.hpp"
#include "dist/gene_split.hpp"

#include <algorithm>
#include <cstdio>

namespace flashmm::cli {

void add_fit_options(CLI::App* sub, FitOptions& o) {
  sub->add_option("--contrast", o.contrasts,
                  "[NAME=]EXPR over coefficient names, e.g. 'AvB=cls1:trtB - cls2:trtB'. One or more, or repeat the "
                  "flag; a NAME must not be another coefficient's name, and all-zero weights are refused")
      ->take_all();
  sub->add_option("--method", o.method, "reml or ml")->capture_default_str()->check(CLI::IsMember({"reml", "ml"}));
  sub->add_option("--max-iter", o.max_iter, "Maximum Fisher-scoring iterations")->capture_default_str()->check(
      whole_number(1));
  sub->add_option("--epsilon", o.epsilon, "Convergence: max |dlogL| < epsilon")->capture_default_str()->check(
      positive_number());
  sub->add_option("--theta0", o.theta0,
                  "Starting variance components s_1..s_k, s0: k + 1 numbers, comma- or space-separated")
      ->delimiter(',')
      ->take_all();
  sub->add_option("--df", o.df,
                  "Degrees of freedom of the t tests: residual (n - p, FLASHMM) or satterthwaite (lmerTest)")
      ->capture_default_str()
      ->check(CLI::IsMember({"residual", "satterthwaite"}));
  sub->add_flag("--robust", o.robust,
                "Safeguarded optimizer (step-halving, Newton) where FLASHMM's Fisher scoring fails; genes "
                "without an unconstrained maximum are fitted with variance components >= 0 (status "
                "converged_nonnegative)");
  sub->add_flag("--nonnegative", o.nonnegative, "Keep variance components >= 0 (lme4's boundary); implies --robust");
  add_gene_filter_options(sub, o.genes);
  sub->add_flag("--fim-beta", o.fim_beta,
                "Also write the Fisher information of the fixed effects into fit.h5 (as large as cov, and its "
                "inverse up to rounding)");
  sub->add_option("--out", o.out, "Output directory")->required();
  sub->add_flag("--force", o.force, "Replace results already in --out");
  sub->footer(kOutputDirHelp);
}

namespace {
constexpr const char* kFitFile = "fit.h5";

// The genes the fit will fit (not skipped, with a nonzero value): what the ranks share out.
std::vector<std::uint8_t> fitted_genes(const SummaryStats& stats, const std::vector<std::uint8_t>& skip) {
  std::vector<std::uint8_t> fitted(static_cast<std::size_t>(stats.genes()));
  for (Index g = 0; g < stats.genes(); ++g)
    fitted[static_cast<std::size_t>(g)] =
        static_cast<std::uint8_t>((skip.empty() || !skip[static_cast<std::size_t>(g)]) && stats.Ynorm(g) > 0);
  return fitted;
}
}  // namespace

const std::vector<std::string>& fit_output_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n(kTableFiles.begin(), kTableFiles.end());
    n.push_back(kFitFile);
    return n;
  }();
  return names;
}

std::vector<Contrast> tests_for(const std::vector<std::string>& fixed_names, const std::vector<std::string>& contrasts) {
  std::vector<Contrast> tests = coefficient_contrasts(fixed_names);
  // parse_contrasts lets a contrast take a coefficient's name only when it is that coefficient,
  // which is tested already.
  for (auto& c : parse_contrasts(contrasts, fixed_names))
    if (std::find(fixed_names.begin(), fixed_names.end(), c.name) == fixed_names.end()) tests.push_back(std::move(c));
  return tests;
}

io::FitProvenance model_provenance(const std::string& input, const io::StatsProvenance& stats) {
  std::string joined;
  for (const auto& r : stats.random_formulas) joined += (joined.empty() ? "" : "; ") + r;
  io::FitProvenance p = {
      {"input", input}, {"fixed", stats.fixed_formula}, {"random", joined}, {"transform", stats.transform}};
  if (!stats.subset.empty()) p["subset"] = stats.subset;
  if (!stats.matrix.empty()) p["matrix"] = stats.matrix;
  return p;
}

void fit_and_write(const SummaryStats& stats, const FitOptions& o, const RunOptions& run, io::FitProvenance provenance,
                   OutputDir* out) {
  const int threads = run.threads;
  const bool quiet = run.quiet;
  const std::vector<Contrast> tests = tests_for(stats.fixed_names, o.contrasts);
  LmmOptions lo = lmm_options(o, run);
  const GeneSelection genes = select_genes(stats.gene_names, nonzero_cells(stats), stats.n, o.genes);
  show_notes(genes.notes, quiet);
  lo.skip_genes = genes.skip;
  // Under MPI each rank fits its share of the genes (host/dist), and rank 0 gathers them.
  const std::vector<int> owner = dist::share_genes(fitted_genes(stats, lo.skip_genes), dist::world().size());
  const LmmOptions all = lo;
  lo.skip_genes = dist::skip_others(lo.skip_genes, owner, dist::world().rank());
  Stage stage("fitting", stats.genes(), "genes", quiet);
  lo.progress = [&stage](Index done) { stage.update(done); };
  LmmFit fit = fit_lmm(stats, lo);
  dist::gather_fit(fit, owner, all, o.fim_beta);
  if (out == nullptr) return;  // a rank other than 0: its genes are with rank 0
  const DeTable table = de_table(fit, tests, lo.df, Alternative::two_sided, threads);
  Index converged = 0;
  for (Index g = 0; g < fit.n_genes(); ++g) converged += fit.converged(g);
  stage.finish(std::to_string(converged) + " of " + std::to_string(fit.n_genes()) + " genes converged");
  show_notes(fit.notes, quiet);
  show_warnings(fit.warnings, quiet);

  Stage writing("writing " + out->path().string(), 0, "", quiet);
  write_fit_results(*out, fit, table, fit_provenance(std::move(provenance), o), o, threads);
  out->commit();
  writing.finish();
}

}  // namespace flashmm::cli
