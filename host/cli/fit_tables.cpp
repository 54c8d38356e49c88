#include "cli/fit_tables.hpp"

#include <flashmm/error.hpp>

#include "cli/text_file.hpp"

#include <cmath>
#include <exception>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace flashmm::cli {

namespace {

// A per-gene matrix (rows = columns of the table, one column per gene) as a genes x rows table.
void write_gene_matrix(OutputDir& out, const std::string& name, const std::vector<std::string>& genes,
                       const std::vector<std::string>& columns, const Eigen::MatrixXd& m) {
  out.write(name, [&](const std::string& path) {
    TextFile f(path);
    f.text("gene");
    for (const auto& c : columns) f.put('\t'), f.text(c);
    f.put('\n');
    for (Index g = 0; g < m.cols(); ++g) {
      f.text(genes[static_cast<std::size_t>(g)]);
      for (Index r = 0; r < m.rows(); ++r) f.put('\t'), f.number(m(r, g));
      f.put('\n');
    }
    f.close();
  });
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

  out.write(kTableFiles[file], [&](const std::string& path) {
    TextFile f(path);
    f.text("gene\tniter\tconverged\tlogLik\tdf\tstatus\n");
    for (Index g = 0; g < fit.n_genes(); ++g) {
      const auto gi = static_cast<std::size_t>(g);
      f.text(genes[gi]);
      f.put('\t'), f.integer(fit.niter[gi]);
      f.put('\t'), f.text(fit.converged(g) ? "true" : "false");
      f.put('\t'), f.number(fit.logLik(g));
      f.put('\t'), f.number(fit.n_fixed() > 0 ? fit.df(0, g) : std::nan(""));
      f.put('\t'), f.text(to_string(fit.status[gi]));
      f.put('\n');
    }
    f.close();
  });
}

void write_de_table(OutputDir& out, const DeTable& table) {
  out.write(kTableFiles.back(), [&](const std::string& path) {
    TextFile f(path);
    f.text("gene\ttest\tcoef\tse\tt\tdf\tp\tfdr\tconverged\n");
    for (std::size_t g = 0; g < table.genes.size(); ++g) {
      const auto gi = static_cast<Index>(g);
      for (const auto& t : table.tests) {
        f.text(table.genes[g]);
        f.put('\t'), f.text(t.name);
        for (const double v : {t.coef(gi), t.se(gi), t.t(gi), t.df(gi), t.p(gi), t.fdr(gi)}) f.put('\t'), f.number(v);
        f.put('\t'), f.text(table.converged[g] ? "true" : "false");
        f.put('\n');
      }
    }
    f.close();
  });
}

void write_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const std::string& fit_file,
                   const std::function<void(const std::string&)>& write_fit_file, int threads) {
  auto fit_part = [&] { out.write(fit_file, write_fit_file); };
  auto tables = [&] {
    write_fit_tables(out, fit);
    write_de_table(out, table);
  };
  if (threads == 1) {
    tables();
    fit_part();
    return;
  }
  // HDF5 is used by the second thread only; the tables are plain files.
  std::exception_ptr fit_error;
  std::thread writer([&] {
    try {
      fit_part();
    } catch (...) {
      fit_error = std::current_exception();
    }
  });
  std::exception_ptr tables_error;
  try {
    tables();
  } catch (...) {
    tables_error = std::current_exception();
  }
  writer.join();
  if (tables_error) std::rethrow_exception(tables_error);
  if (fit_error) std::rethrow_exception(fit_error);
}

}  // namespace flashmm::cli
