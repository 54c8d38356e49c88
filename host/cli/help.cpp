#include "cli/help.hpp"

#include "cli/output_dir.hpp"
#include "cli/output_file.hpp"
#include "cli/test_selection.hpp"

namespace flashmm::cli {

const char* const kListRule =
    "Several values: options that take a list (--random, --contrast, --test, --nuisance, --categorical, --theta0) "
    "take one or more values after the flag, or the flag repeated: --contrast 'a=cls1:trtB' 'b=cls2:trtB' equals "
    "--contrast 'a=cls1:trtB' --contrast 'b=cls2:trtB'; --categorical and --nuisance also take a comma-separated "
    "list. Give the input file first, and quote every formula and contrast (the shell splits them at spaces and "
    "reads ( and ~ itself).";

namespace {

const char* const kExitStatus =
    "Exit status: 0 success; 1 bad input data or files, or a failed run (the message names the file, column, option "
    "or gene and says what to do); 2 a command-line usage error; 3 an internal error (please report it).";

const char* const kResultFiles =
    "Files in --out:\n"
    "  de.tsv       one row per gene and reported test: gene test coef se t df p fdr mean nonzero_fraction "
    "converged\n"
    "  top.tsv      the same rows of the converged genes sorted by p (as limma's topTable)\n"
    "  columns.txt  what the columns mean: coef is a difference on the log2(1 + count) scale (the log2 fold change "
    "of 1 + count); fdr is Benjamini-Hochberg within each test over the converged genes; mean (the mean "
    "log2(1 + count), limma's AveExpr) and nonzero_fraction are over the model's cells\n"
    "  coef.tsv se.tsv t.tsv p.tsv          genes x every coefficient (nuisance terms included)\n"
    "  theta.tsv se_theta.tsv dlogL.tsv     genes x variance components, then residual\n"
    "  genes.tsv    gene niter converged logLik df status\n"
    "  fit.h5       every array of the fit, for flashmm test\n";

std::string join(std::initializer_list<std::string> parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : "\n\n") + p;
  return s;
}

}  // namespace

std::string de_help() {
  return join({"Example:\n"
               "  flashmm de data.h5ad --layer counts --fixed '~ 0 + log(libsize) + cls + cls:trt' \\\n"
               "      --random '(1 | sam)' --nuisance libsize cls -o results/\n"
               "  flashmm de data.h5ad --fixed '~ 0 + log(libsize) + cls + cls:trt + (1 | sam)' \\\n"
               "      --contrast 'BvsA=(cls1:trtB + cls2:trtB)/2' --test 'cls*:trtB' -o results/",
               kResultFiles, kTestSelectionHelp, kListRule, kOutputDirHelp, kExitStatus});
}

std::string fit_help() {
  return join({"Example:\n"
               "  flashmm sumstats data.h5ad --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '(1 | sam)' -o s.h5\n"
               "  flashmm fit s.h5 --nuisance libsize cls -o results/",
               kResultFiles, kTestSelectionHelp, kListRule, kOutputDirHelp, kExitStatus});
}

std::string test_help() {
  return join({"Example:\n"
               "  flashmm test results/fit.h5 --contrast 'BvsA=(cls1:trtB + cls2:trtB)/2' 'cls2:trtB - cls1:trtB' "
               "-o more/\n"
               "  flashmm test results/fit.h5 --test 'cls*:trtB' --df residual -o flashmm_df/",
               "Files in --out: de.tsv, top.tsv and columns.txt, as flashmm de writes them (see flashmm de --help), "
               "for the --contrast contrasts and the coefficients --test names.",
               kListRule, kOutputDirHelp, kExitStatus});
}

std::string sumstats_help() {
  return join({"Example (two shards of cells, merged, then fitted):\n"
               "  flashmm sumstats data.h5ad --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '(1 | sam)' \\\n"
               "      --cell-range 1:500000 -o a.h5\n"
               "  flashmm sumstats data.h5ad ... --cell-range 500001: -o b.h5\n"
               "  flashmm merge a.h5 b.h5 -o all.h5 && flashmm fit all.h5 -o results/",
               "Output: one HDF5 file of the model's summary statistics (X'X, X'Y, Z'X, Z'Y, Z'Z, |y|^2, the sums and "
               "nonzero counts per gene) with the cells it covers.",
               kListRule, kOutputFileHelp, kExitStatus});
}

std::string merge_help() {
  return join({"Example:\n  flashmm merge a.h5 b.h5 c.h5 -o all.h5",
               "Output: the summary statistics of all the shards' cells, as if computed at once; shards that overlap "
               "or belong to different models are refused.",
               kOutputFileHelp, kExitStatus});
}

std::string simulate_help() {
  return join({"Example:\n"
               "  flashmm simulate --genes 2000 --cells 100000 --de-genes 20 -o sim.h5ad\n"
               "  flashmm de sim.h5ad --fixed '~ 0 + log(libsize) + cls + cls:trt' --random '(1 | sam)' "
               "--nuisance libsize cls -o results/",
               "Output: FILE.h5ad (counts in X; obs: sam, cls, trt, libsize) and FILE.truth.tsv (gene cluster "
               "treatment beta: the DE genes and their effects on the log mean), or a 10x folder (matrix.mtx.gz, "
               "features.tsv.gz, barcodes.tsv.gz, metadata.csv, truth.tsv). The pair is published together, the "
               ".h5ad renamed into place last.",
               kOutputFileHelp, kOutputDirHelp, kExitStatus});
}

std::string demo_help() {
  return join({"Example:\n  flashmm demo\n  flashmm demo --genes 500 --cells 200000 --device cpu",
               "Output: a report on stdout: the DE calls against the simulation's truth (found and missed), the "
               "estimates beside the true effects on the same scale, the cut-offs and the time taken. Nothing is "
               "written to disk.",
               kExitStatus});
}

}  // namespace flashmm::cli
