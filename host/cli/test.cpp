// flashmm test: more tests on a saved fit (DIR/fit.h5), without refitting.
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/fit_file.hpp>

#include "cli/commands.hpp"
#include "cli/fit_tables.hpp"
#include "cli/help.hpp"
#include "cli/option_checks.hpp"
#include "cli/output_dir.hpp"
#include "cli/progress.hpp"
#include "cli/run_options.hpp"
#include "cli/run_summary.hpp"
#include "cli/test_selection.hpp"

#include <memory>

namespace flashmm::cli {

namespace {

struct TestOptions {
  std::string fit;
  std::vector<std::string> contrasts;
  TestSelection tests;
  std::string alternative = "two.sided";
  std::string df = "satterthwaite";
  std::string out;
  bool force = false;
  RunOptions run;
};

void run_test(const TestOptions& o) {
  if (o.contrasts.empty() && o.tests.patterns.empty())
    throw UsageError("test: give the tests, --contrast EXPR and/or --test NAME|PATTERN (see flashmm test --help)");
  OutputDir out(o.out, {kDeTableFiles.begin(), kDeTableFiles.end()}, o.force);
  io::FitProvenance prov;
  const LmmFit fit = io::read_fit(o.fit, &prov);
  const std::vector<Contrast> tests = reported_tests(fit.fixed_names, prov["fixed"], o.contrasts, o.tests);
  const DfMethod df = o.df == "satterthwaite" ? DfMethod::satterthwaite : DfMethod::residual;
  StageSequence stages(o.run.quiet, "reading", "writing " + out.path().string());
  if (df == DfMethod::satterthwaite) stages(ProgressStage::df, 0, fit.n_genes());
  const DeTable table = de_table(fit, tests, df, parse_alternative(o.alternative), o.run.threads);
  if (df == DfMethod::satterthwaite) stages(ProgressStage::df, fit.n_genes(), fit.n_genes());
  stages(ProgressStage::writing, 0, static_cast<Index>(kDeTableFiles.size()));
  DeTableInfo info;
  if (const auto it = prov.find("transform"); it != prov.end()) info.transform = it->second;
  info.df = df;
  write_de_table(out, table, info, o.run.threads);
  out.commit();
  stages(ProgressStage::writing, static_cast<Index>(kDeTableFiles.size()), static_cast<Index>(kDeTableFiles.size()));
  stages.finish();
  show_summary(run_summary(fit, table), o.run.quiet);
}

}  // namespace

void add_test(CLI::App& app) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* sub = app.add_subcommand("test", "Test more contrasts or coefficients on a saved fit (DIR/fit.h5)");
  sub->add_option("fit", o->fit, "fit.h5 written by flashmm de or flashmm fit")->required();
  sub->add_option("--contrast", o->contrasts,
                  "[NAME=]EXPR over coefficient names, e.g. 'AvB=cls1:trtB - cls2:trtB'. One or more, or repeat "
                  "the flag")
      ->take_all();
  add_test_selection_options(sub, o->tests);
  sub->add_option("--alternative", o->alternative, "two.sided, less or greater")
      ->capture_default_str()
      ->check(CLI::IsMember({"two.sided", "less", "greater"}));
  sub->add_option("--df", o->df,
                  "Degrees of freedom: satterthwaite (lmerTest's, from the statistics fit.h5 keeps) or residual "
                  "(n - p, FLASHMM's)")
      ->capture_default_str()
      ->check(CLI::IsMember({"residual", "satterthwaite"}));
  sub->add_option("-o,--out", o->out, "Output directory (de.tsv, top.tsv, columns.txt)")->required();
  sub->add_flag("--force", o->force, "Replace de.tsv, top.tsv and columns.txt if they exist");
  sub->add_option("--threads", o->run.threads, "Threads (0: all cores)")->capture_default_str()->check(whole_number(0));
  sub->add_flag("--quiet", o->run.quiet, "Nothing on stderr but errors");
  sub->footer(test_help());
  set_action(sub, [o] { run_test(*o); });
}

}  // namespace flashmm::cli
