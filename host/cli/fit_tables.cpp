#include "cli/fit_tables.hpp"

#include <flashmm/error.hpp>

#include "cli/text_file.hpp"
#include "util/parallel.hpp"

#include <cmath>
#include <algorithm>
#include <mutex>
#include <string>
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

// Each file of a result set as one task, so that a set's files can be written on several threads
// (they are independent: each task writes one file of the staging folder).
using FileTask = std::function<void()>;

std::vector<FileTask> fit_table_tasks(OutputDir& out, const LmmFit& fit) {
  std::vector<std::string> theta_names = fit.component_names;
  theta_names.push_back("residual");
  // In the order of kTableFiles.
  const std::pair<std::vector<std::string>, const Eigen::MatrixXd*> matrices[] = {
      {fit.fixed_names, &fit.coef}, {fit.fixed_names, &fit.se},       {fit.fixed_names, &fit.t},
      {fit.fixed_names, &fit.p},    {theta_names, &fit.theta},        {theta_names, &fit.se_theta},
      {theta_names, &fit.dlogL}};
  std::vector<FileTask> tasks;
  std::size_t file = 0;
  for (const auto& [columns, m] : matrices)
    tasks.emplace_back([&out, &fit, name = kTableFiles[file++], columns, m] {
      write_gene_matrix(out, name, fit.gene_names, columns, *m);
    });
  tasks.emplace_back([&out, &fit, name = kTableFiles[file]] {
    out.write(name, [&](const std::string& path) {
      const auto& genes = fit.gene_names;
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
  });
  return tasks;
}

}  // namespace

void write_fit_tables(OutputDir& out, const LmmFit& fit) {
  for (const FileTask& task : fit_table_tasks(out, fit)) task();
}

namespace {

void write_de_row(TextBuffer& f, const DeTable& table, std::size_t g, const DeTest& t) {
  const auto gi = static_cast<Index>(g);
  f.text(table.genes[g]);
  f.put('\t'), f.text(t.name);
  for (const double v : {t.coef(gi), t.se(gi), t.t(gi), t.df(gi), t.p(gi), t.fdr(gi), table.mean(gi),
                         table.nonzero_fraction(gi)})
    f.put('\t'), f.number(v);
  f.put('\t'), f.text(table.converged[g] ? "true" : "false");
  f.put('\n');
}

// The rows of de.tsv (genes in order, each gene's tests in order), formatted once for de.tsv and
// top.tsv: row r is text[offset[r], offset[r + 1]), r = gene * tests + test.
struct DeRows {
  std::string text;
  std::vector<std::size_t> offset;
  std::string_view row(std::size_t r) const { return std::string_view(text).substr(offset[r], offset[r + 1] - offset[r]); }
};

// Blocks of genes formatted on the threads, then joined in order: the text does not depend on
// the threads.
DeRows format_de_rows(const DeTable& table, int threads) {
  constexpr Index kGenes = 128;
  const auto G = static_cast<Index>(table.genes.size());
  const std::size_t tests = table.tests.size();
  const auto blocks = static_cast<std::size_t>((G + kGenes - 1) / kGenes);
  std::vector<TextBuffer> parts(blocks);
  std::vector<std::vector<std::size_t>> starts(blocks);
  detail::parallel_for_blocks(G, threads, kGenes, [&](Index g0, Index g1) {
    const auto b = static_cast<std::size_t>(g0 / kGenes);
    for (Index g = g0; g < g1; ++g)
      for (const auto& t : table.tests) {
        starts[b].push_back(parts[b].size());
        write_de_row(parts[b], table, static_cast<std::size_t>(g), t);
      }
  });
  DeRows rows;
  std::size_t total = 0;
  for (const auto& part : parts) total += part.size();
  rows.text.reserve(total);
  rows.offset.reserve(static_cast<std::size_t>(G) * tests + 1);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (const std::size_t at : starts[b]) rows.offset.push_back(rows.text.size() + at);
    rows.text += parts[b].str();
  }
  rows.offset.push_back(rows.text.size());
  return rows;
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

// de.tsv, top.tsv and columns.txt, in that order, from the rows formatted by format_de_rows.
std::vector<FileTask> de_table_tasks(OutputDir& out, const DeTable& table, const DeTableInfo& info, const DeRows& rows) {
  std::vector<FileTask> tasks;
  tasks.emplace_back([&out, &rows] {
    out.write(kDeTableFiles[0], [&](const std::string& path) {
      TextFile f(path);
      write_de_header(f);
      f.text(rows.text);
      f.close();
    });
  });
  tasks.emplace_back([&out, &table, &rows] {
    out.write(kDeTableFiles[1], [&](const std::string& path) {
      struct Row {
        std::size_t row;
        double p;
      };
      std::vector<Row> sorted;
      const std::size_t tests = table.tests.size();
      for (std::size_t g = 0; g < table.genes.size(); ++g)
        if (table.converged[g])
          for (std::size_t t = 0; t < tests; ++t) sorted.push_back({g * tests + t, table.tests[t].p(static_cast<Index>(g))});
      // NaN p-values last; stable, so ties keep de.tsv's order.
      std::stable_sort(sorted.begin(), sorted.end(), [](const Row& a, const Row& b) {
        if (std::isnan(a.p) || std::isnan(b.p)) return !std::isnan(a.p) && std::isnan(b.p);
        return a.p < b.p;
      });
      TextFile f(path);
      write_de_header(f);
      for (const Row& r : sorted) f.text(rows.row(r.row));
      f.close();
    });
  });
  tasks.emplace_back([&out, &table, &info] {
    out.write(kDeTableFiles[2], [&](const std::string& path) {
      TextFile f(path);
      f.text(columns_note(table, info));
      f.close();
    });
  });
  return tasks;
}

}  // namespace

void write_de_table(OutputDir& out, const DeTable& table, const DeTableInfo& info, int threads) {
  const DeRows rows = format_de_rows(table, threads);
  for (const FileTask& task : de_table_tasks(out, table, info, rows)) task();
}

void write_results(OutputDir& out, const LmmFit& fit, const DeTable& table, const DeTableInfo& info,
                   const std::function<void()>& fit_file_task, int threads, const ProgressCallback& progress) {
  // Every file is a task; the threads take them in this order, the largest first (fit.h5, then
  // de.tsv and top.tsv), so that none is left to run alone at the end. HDF5 is used by the fit.h5
  // task only; the others write plain files.
  const DeRows rows = format_de_rows(table, threads);
  std::vector<FileTask> tasks;
  tasks.emplace_back(fit_file_task);
  std::vector<FileTask> de = de_table_tasks(out, table, info, rows);
  tasks.push_back(de[0]);
  tasks.push_back(de[1]);
  for (FileTask& t : fit_table_tasks(out, fit)) tasks.push_back(std::move(t));
  tasks.push_back(de[2]);
  const auto total = static_cast<Index>(tasks.size());
  std::mutex mutex;
  Index files_done = 0;
  detail::parallel_for_slots(total, threads, [&](Index i, int) {
    tasks[static_cast<std::size_t>(i)]();
    std::lock_guard<std::mutex> lock(mutex);
    ++files_done;
    if (progress) progress(ProgressStage::writing, files_done, total);
  });
}

}  // namespace flashmm::cli
