// The flashmm program: one subcommand per file in host/cli. Errors from the library become one
// "error: ..." line on stderr and an exit status that tells the user's mistakes from ours:
//   0 success; 1 bad input data or files, or a failed run (disk full, no usable GPU, out of
//   memory): the message names what and says what to do; 2 a command-line usage error;
//   3 an internal error (a bug in flashmm: please report it). A formula the shell split
//   (unquoted) gets a hint to quote it; a library option is named by the flag as typed.
#include <flashmm/error.hpp>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/job.hpp"
#include "dist/agreement.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {
constexpr int kBadInput = 1;
constexpr int kUsage = 2;
constexpr int kInternal = 3;

// A formula or contrast the shell split at its spaces (unquoted): its pieces arrive as separate
// arguments ("+", "cls:trt"), and a lone ~ as the home folder.
std::string split_formula_hint(int argc, char** argv) {
  const char* home = std::getenv("HOME");
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool piece = a == "+" || a == "-" || a == "*" || a == "~" || a == "|" || a == "||" || a == "=" ||
                       (a.size() > 1 && (a.front() == '+' || a.back() == '+'));
    const bool home_as_formula = home != nullptr && *home != '\0' && a == home && i > 1 &&
                                 (std::string_view(argv[i - 1]) == "--fixed" || std::string_view(argv[i - 1]) == "--random");
    if (piece || home_as_formula)
      return "hint: quote each formula and contrast so that it reaches flashmm as one argument, e.g. --fixed "
             "'~ 0 + log(libsize) + cls + cls:trt' --random '(1 | sam)' (unquoted, the shell splits it at its spaces "
             "and turns ~ into your home folder)\n";
  }
  return {};
}

// The flag of a library option field (genes_file) as the user typed it (--genes or --genes-file).
std::string typed_flag(const CLI::App& app, const std::string& field, int argc, char** argv) {
  std::string flag = field;
  for (char& c : flag)
    if (c == '_') c = '-';
  for (const CLI::App* sub : app.get_subcommands())
    for (const CLI::Option* opt : sub->get_options()) {
      const auto& names = opt->get_lnames();
      if (std::find(names.begin(), names.end(), flag) == names.end()) continue;
      for (int i = 1; i < argc; ++i)
        for (const auto& n : names) {
          const std::string typed = "--" + n;
          const std::string_view a = argv[i];
          if (a == typed || (a.size() > typed.size() && a.substr(0, typed.size() + 1) == typed + "=")) return typed;
        }
    }
  return "--" + flag;
}
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
    if (code != 0) std::fputs(split_formula_hint(argc, argv).c_str(), stderr);
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
  } catch (const flashmm::cli::UsageError& e) {
    status = kUsage;
    message = e.what();
  } catch (const flashmm::OptionError& e) {
    // The library names the option as its struct field; the user typed a flag.
    const std::string flag = typed_flag(app, e.option(), argc, argv);
    message = e.what();
    const std::string field_words = "the " + e.option() + " option";
    if (const auto at = message.find(field_words); at != std::string::npos)
      message.replace(at, field_words.size(), "the " + flag + " option");
    if (message.find(flag) == std::string::npos) message += " (option " + flag + ")";
    status = kBadInput;
  } catch (const flashmm::ParseError& e) {
    status = kBadInput;
    message = e.what();
    std::string hint = split_formula_hint(argc, argv);
    if (!hint.empty() && hint.back() == '\n') hint.pop_back();
    if (!hint.empty()) message += "\n" + hint;
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
