// The flashmm program: one subcommand per file in host/cli. Errors from the library become one
// "error: ..." line on stderr and an exit status that tells the user's mistakes from ours:
//   0 success; 1 bad input data or files, or a failed run (disk full, no usable GPU, out of
//   memory): the message names what and says what to do; 2 a command-line usage error;
//   3 an internal error (a bug in flashmm: please report it).
#include <flashmm/error.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/job.hpp"
#include "dist/agreement.hpp"

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
  // One rank of a job under mpirun or srun (cli/job.hpp); one process otherwise.
  flashmm::cli::Job job(argc, argv);
  int status = 0;
  std::string message;
  bool agreed = false;
  try {
    job.check_command(app);
    flashmm::cli::run_selected(app);
  } catch (const flashmm::dist::JobFailed& e) {
    status = e.status;  // another rank failed and reports it
    agreed = true;
  } catch (const flashmm::NumericalError& e) {
    status = kInternal;
    message = std::string("internal numerical error (please report it): ") + e.what();
  } catch (const flashmm::OptionError& e) {
    // The library names the option as its struct field; the user typed the flag.
    std::string flag = e.option();
    for (char& c : flag)
      if (c == '_') c = '-';
    status = kBadInput;
    message = std::string(e.what()) + " (option --" + flag + ")";
  } catch (const flashmm::Error& e) {
    status = kBadInput;
    message = e.what();
  } catch (const std::bad_alloc&) {
    status = kBadInput;
    message = "out of memory; use a smaller --chunk-cells or fewer --threads";
  } catch (const std::exception& e) {
    status = kInternal;
    message = std::string("internal error (please report it): ") + e.what();
  }
  return job.finish(status, message, agreed);
}
