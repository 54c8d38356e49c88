#include "cli/fit_tables.hpp"

#include <flashmm/error.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flashmm::cli {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class TsvFile {
 public:
  explicit TsvFile(std::string path) : path_(std::move(path)), f_(std::fopen(path_.c_str(), "w")) {
    if (!f_) throw IoError("cannot write '" + path_ + "'; check that the output directory is writable");
  }
  void text(const std::string& s) { std::fputs(s.c_str(), f_.get()); }
  void tab() { std::fputc('\t', f_.get()); }
  void newline() { std::fputc('\n', f_.get()); }
  void number(double v) {
    if (std::isnan(v)) text("NA");
    else if (std::isinf(v)) text(v > 0 ? "Inf" : "-Inf");
    else std::fprintf(f_.get(), "%.17g", v);
  }
  void close() {
    std::FILE* f = f_.release();
    const bool bad = std::ferror(f) != 0;
    if (std::fclose(f) != 0 || bad) throw IoError("error writing '" + path_ + "' (disk full?)");
  }

 private:
  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> f_;
};

// A per-gene matrix (rows = columns of the table, one column per gene) as a genes x rows table.
void write_gene_matrix(OutputDir& out, const std::string& name, const std::vector<std::string>& genes,
                       const std::vector<std::string>& columns, const Eigen::MatrixXd& m) {
  TsvFile f(out.temp_path(name));
  f.text("gene");
  for (const auto& c : columns) f.tab(), f.text(c);
  f.newline();
  for (Index g = 0; g < m.cols(); ++g) {
    f.text(genes[static_cast<std::size_t>(g)]);
    for (Index r = 0; r < m.rows(); ++r) f.tab(), f.number(m(r, g));
    f.newline();
  }
  f.close();
}

}  // namespace

void write_fit_tables(OutputDir& out, const LmmFit& fit) {
  const auto& genes = fit.gene_names;
  std::vector<std::string> theta_names = fit.component_names;
  theta_names.push_back("residual");
  // In the order of kTableFiles.
  const std::pair<const std::vector<std::string>*, const Eigen::MatrixXd*> matrices[] = {
      {&fit.fixed_names, &fit.coef}, {&fit.fixed_names, &fit.se},       {&fit.fixed_names, &fit.t},
      {&fit.fixed_names, &fit.p},    {&theta_names, &fit.theta},        {&theta_names, &fit.se_theta},
      {&theta_names, &fit.dlogL}};
  std::size_t file = 0;
  for (const auto& [columns, m] : matrices) write_gene_matrix(out, kTableFiles[file++], genes, *columns, *m);

  {
    TsvFile f(out.temp_path(kTableFiles[file]));
    f.text("gene\tniter\tconverged\tlogLik\tdf\tstatus\n");
    for (Index g = 0; g < fit.n_genes(); ++g) {
      const auto gi = static_cast<std::size_t>(g);
      f.text(genes[gi]);
      f.tab(), f.text(std::to_string(fit.niter[gi]));
      f.tab(), f.text(fit.converged(g) ? "true" : "false");
      f.tab(), f.number(fit.logLik(g));
      f.tab(), f.number(fit.n_fixed() > 0 ? fit.df(0, g) : std::nan(""));
      f.tab(), f.text(to_string(fit.status[gi]));
      f.newline();
    }
    f.close();
  }
}

void write_de_table(OutputDir& out, const DeTable& table) {
  {
    TsvFile f(out.temp_path(kTableFiles.back()));
    f.text("gene\ttest\tcoef\tse\tt\tdf\tp\tfdr\tconverged\n");
    for (std::size_t g = 0; g < table.genes.size(); ++g) {
      const auto gi = static_cast<Index>(g);
      for (const auto& t : table.tests) {
        f.text(table.genes[g]);
        f.tab(), f.text(t.name);
        for (const double v : {t.coef(gi), t.se(gi), t.t(gi), t.df(gi), t.p(gi), t.fdr(gi)}) f.tab(), f.number(v);
        f.tab(), f.text(table.converged[g] ? "true" : "false");
        f.newline();
      }
    }
    f.close();
  }
}

}  // namespace flashmm::cli
