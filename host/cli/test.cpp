// flashmm test: more contrasts on a saved fit (DIR/fit.h5), without refitting.
#include <flashmm/de_table.hpp>
#include <flashmm/error.hpp>
#include <flashmm/io/fit_file.hpp>

#include "cli/commands.hpp"
#include "cli/fit_tables.hpp"
#include "cli/output_dir.hpp"

#include <memory>

namespace flashmm::cli {

namespace {

struct TestOptions {
  std::string fit;
  std::vector<std::string> contrasts;
  std::string alternative = "two.sided";
  std::string out;
  bool force = false;
};

void run_test(const TestOptions& o) {
  OutputDir out(o.out, {"de.tsv"}, o.force);
  const LmmFit fit = io::read_fit(o.fit);
  const std::vector<Contrast> contrasts = parse_contrasts(o.contrasts, fit.fixed_names);
  write_de_table(out, de_table(fit, contrasts, parse_alternative(o.alternative)));
  out.commit();
}

}  // namespace

void add_test(CLI::App& app) {
  auto o = std::make_shared<TestOptions>();
  CLI::App* sub = app.add_subcommand("test", "Test more contrasts on a saved fit (DIR/fit.h5)");
  sub->add_option("fit", o->fit, "fit.h5 written by flashmm de or flashmm fit")->required();
  sub->add_option("--contrast", o->contrasts, "[NAME=]EXPR over coefficient names; one or more, or repeat the flag")
      ->required()
      ->take_all();
  sub->add_option("--alternative", o->alternative, "two.sided, less or greater")
      ->capture_default_str()
      ->check(CLI::IsMember({"two.sided", "less", "greater"}));
  sub->add_option("--out", o->out, "Output directory (de.tsv)")->required();
  sub->add_flag("--force", o->force, "Replace de.tsv if it exists");
  sub->footer(kOutputDirHelp);
  set_action(sub, [o] { run_test(*o); });
}

}  // namespace flashmm::cli
