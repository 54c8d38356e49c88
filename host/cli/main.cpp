// The flashmm program: one subcommand per file in host/cli. Errors from the library become one
// "error: ..." line on stderr and exit status 1; command-line mistakes exit with CLI11's status.
#include <flashmm/error.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"flashmm: single-cell differential expression with linear mixed models (FLASHMM method)"};
  app.set_version_flag("--version", std::string("flashmm ") + FLASHMM_VERSION);
  app.require_subcommand(1);
  flashmm::cli::add_de(app);
  flashmm::cli::add_sumstats(app);
  flashmm::cli::add_merge(app);
  flashmm::cli::add_fit(app);
  flashmm::cli::add_test(app);
  flashmm::cli::add_simulate(app);
  flashmm::cli::add_demo(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    flashmm::cli::run_selected(app);
  } catch (const flashmm::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory; use a smaller --chunk-cells or fewer threads\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
