#include "cli/fit_tables.hpp"

#include <flashmm/error.hpp>

#include "cli/text_file.hpp"

#include <cmath>
#include <algorithm>
#include <exception>
#include <mutex>
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

namespace {

void write_de_rows(TextFile& f, const DeTable& table, std::size_t g, const DeTest& t) {
  const auto gi = static_cast<Index>(g);
  f.text(table.genes[g]);
  f.put('\t'), f.text(t.name);
  for (const double v : {t.coef(gi), t.se(gi), t.t(gi), t.df(gi), t.p(gi), t.fdr(gi), table.mean(gi),
                         table.nonzero_fraction(gi)})
    f.put('\t'), f.number(v);
  f.put('\t'), f.text(table.converged[g] ? "true" : "false");
  f.put('\n');
}

void write_de_header(TextFile& f) {
  for (std::size_t c = 0; c < kDeColumns.size(); ++c) {
    if (c > 0) f.put('\t');
    f.text(kDeColumns[c]);
  }
  f.put('\n');
}

std::string columns_note(const DeTable& table, const DeTableInfo& info) {
  const bool log2p1 = info.transform == "log2p1";
  const std::string scale = log2p1 ? "log2(1 + count)" : "the input's values (--transform none)";
  std::string s =
      "flashmm differential expression tables\n"
      "\n"
      "de.tsv: one row per gene and reported test, genes in the input's order.\n"
      "top.tsv: the same rows of the converged genes, sorted by p (ties in de.tsv's order), as limma's topTable.\n"
      "\n"
      "Columns (limma topTable's and muscat's names in brackets):\n"
      "  gene              the gene\n"
      "  test              the coefficient or contrast tested\n";
  s += log2p1 ? "  coef              the estimate: a difference on the log2(1 + count) scale, i.e. the log2 fold change "
                "of (1 + count) [limma logFC, muscat logFC]\n"
              : "  coef              the estimate, on the scale of the input's values [limma logFC, muscat logFC]\n";
  s += "  se                its standard error\n"
       "  t                 coef / se [limma t]\n";
  s += info.df == DfMethod::satterthwaite
           ? "  df                Satterthwaite degrees of freedom of the test (as lmerTest)\n"
           : "  df                residual degrees of freedom n - p (as FLASHMM; --df satterthwaite for lmerTest's)\n";
  s += "  p                 two-sided p-value of the t test [limma P.Value, muscat p_val]\n"
       "  fdr               Benjamini-Hochberg adjusted p-value within the test, over the converged genes (others NA) "
       "[limma adj.P.Val, muscat p_adj.loc]\n"
       "  mean              mean of the modelled values over the model's cells, on the " + scale +
       " scale [limma AveExpr]\n"
       "  nonzero_fraction  fraction of the model's cells with a nonzero count\n"
       "  converged         whether the gene's fit converged (genes.tsv has its status)\n"
       "\n"
       "Tests:";
  for (const auto& t : table.tests) s += " " + t.name;
  s += "\nNumbers are written in their shortest form that reads back to the same double; NA: not available.\n";
  return s;
}

}  // namespace

void write_de_table(OutputDir& out, const DeTable& table, const DeTableInfo& info) {
  out.write(kDeTableFiles[0], [&](const std::string& path) {
    TextFile f(path);
    write_de_header(f);
    for (std::size_t g = 0; g < table.genes.size(); ++g)
      for (const auto& t : table.tests) write_de_rows(f, table, g, t);
    f.close();
  });
  out.write(kDeTableFiles[1], [&](const std::string& path) {
    struct Row {
      std::size_t gene, test;
      double p;
    };
    std::vector<Row> rows;
    for (std::size_t g = 0; g < table.genes.size(); ++g)
      if (table.converged[g])
        for (std::size_t t = 0; t < table.tests.size(); ++t)
          rows.push_back({g, t, table.tests[t].p(static_cast<Index>(g))});
    // NaN p-values last; stable, so ties keep de.tsv's order.
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      if (std::isnan(a.p) || std::isnan(b.p)) return !std::isnan(a.p) && std::isnan(b.p);
      return a.p < b.p;
    });
    TextFile f(path);
    write_de_header(f);
    for (const Row& r : rows) write_de_rows(f, table, r.gene, table.tests[r.test]);
    f.close();
  });
  out.write(kDeTableFiles[2], [&](const std::string& path) {
    TextFile f(path);
    f.text(columns_note(table, info));
    f.close();
  });
}

void write_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const DeTableInfo& info,
                   const std::string& fit_file, const std::function<void(const std::string&)>& write_fit_file,
                   int threads, const ProgressCallback& progress) {
  // Files: the tables, then fit.h5, reported as each part is written (either may come first).
  const auto total = static_cast<Index>(kTableFiles.size() + 1);
  std::mutex mutex;
  Index files_done = 0;
  auto done = [&](Index files) {
    std::lock_guard<std::mutex> lock(mutex);
    files_done += files;
    if (progress) progress(ProgressStage::writing, files_done, total);
  };
  auto fit_part = [&] {
    out.write(fit_file, write_fit_file);
    done(1);
  };
  auto tables = [&] {
    write_fit_tables(out, fit);
    write_de_table(out, table, info);
    done(static_cast<Index>(kTableFiles.size()));
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
