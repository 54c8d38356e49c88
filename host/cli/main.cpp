// The flashmm program: one subcommand per file in host/cli. Errors from the library become one
// "error: ..." line on stderr and an exit status that tells the user's mistakes from ours:
//   0 success; 1 bad input data or files, or a failed run (disk full, no usable GPU, out of
//   memory): the message names what and says what to do; 2 a command-line usage error;
//   3 an internal error (a bug in flashmm: please report it).
#include <flashmm/error.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

#include <cstdio>
#include <exception>
#include <string>

namespace {
constexpr int kBadInput = 1;
constexpr int kUsage = 2;
constexpr int kInternal = 3;
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flashmm: single-cell differential expression with linear mixed models (FLASHMM method)"};
  app.set_version_flag("--version", std::string("flashmm ") + FLASHMM_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success; 1 bad input data or files, or a failed run (the message says what and what to do); "
      "2 a command-line usage error; 3 an internal error (please report it).");
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
    const int code = app.exit(e);  // prints the help, the version or the usage error
    return code == 0 ? 0 : kUsage;
  }
  try {
    flashmm::cli::run_selected(app);
  } catch (const flashmm::NumericalError& e) {
    std::fprintf(stderr, "error: internal numerical error (please report it): %s\n", e.what());
    return kInternal;
  } catch (const flashmm::OptionError& e) {
    // The library names the option as its struct field; the user typed the flag.
    std::string flag = e.option();
    for (char& c : flag)
      if (c == '_') c = '-';
    std::fprintf(stderr, "error: %s (option --%s)\n", e.what(), flag.c_str());
    return kBadInput;
  } catch (const flashmm::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory; use a smaller --chunk-cells or fewer --threads\n");
    return kBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal error (please report it): %s\n", e.what());
    return kInternal;
  }
  return 0;
}
