// --categorical on a numeric column labels its levels as R prints the numbers, whether the column
// comes from an .h5ad's obs or from a --metadata CSV (where quoted digits are numbers too, as
// R's read.csv reads them).
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include <flashmm/io/h5ad.hpp>
#include <flashmm/simulate.hpp>

#include "support/cli_run.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::read_tsv;
using testing::run_cli;
using testing::work_dir;

TEST(CliCategorical, NumericLevelsLabelledAsRPrintsThemFromH5adAndCsv) {
  const fs::path dir = work_dir("categorical_numeric");
  SimulationOptions o;
  o.genes = 8;
  o.cells = 600;
  o.samples = 6;
  o.clusters = 2;
  o.de_genes = 2;
  o.nonzero_fraction = 0.5;
  o.threads = 1;
  Simulation sim = simulate(o);
  // dose: 1e5 in the first treatment, 2e5 in the second, as a numeric obs column.
  MetadataColumn dose;
  dose.name = "dose";
  dose.kind = MetadataColumn::Kind::numeric;
  for (const std::int32_t t : sim.obs.find("trt")->codes) dose.numbers.push_back(t == 0 ? 100000.0 : 200000.0);
  sim.obs.columns.push_back(dose);
  const std::vector<double> values(sim.counts.begin(), sim.counts.end());
  std::vector<std::int64_t> indptr;
  const fs::path h5ad = dir / "sim.h5ad";
  io::write_h5ad(h5ad.string(), csr_rows<double>(sim.indptr, sim.indices, values, sim.n_genes, 0, sim.n_cells, indptr),
                 sim.gene_names, sim.obs);
  {
    std::ofstream csv(dir / "meta.csv");
    csv << "cell,sam,cls,dose\n";
    const auto& sam = *sim.obs.find("sam");
    const auto& cls = *sim.obs.find("cls");
    for (std::size_t i = 0; i < sim.cell_ids.size(); ++i)
      csv << sim.cell_ids[i] << "," << sam.levels[static_cast<std::size_t>(sam.codes[i])] << ",\""
          << cls.levels[static_cast<std::size_t>(cls.codes[i])] << "\"," << (dose.numbers[i] == 100000.0 ? "1e5" : "2e5")
          << "\n";
  }
  const std::string model =
      "--fixed '~ 0 + log(libsize) + cls + dose' --random '~ 0 + sam' --quiet --categorical dose,cls";
  const CliRun from_obs =
      run_cli("de '" + h5ad.string() + "' " + model + " --out '" + (dir / "obs").string() + "'", dir);
  ASSERT_EQ(from_obs.status, 0) << from_obs.err;
  const CliRun from_csv = run_cli("de '" + h5ad.string() + "' " + model + " --metadata '" + (dir / "meta.csv").string() +
                                      "' --out '" + (dir / "csv").string() + "'",
                                  dir);
  ASSERT_EQ(from_csv.status, 0) << from_csv.err;
  const auto header = read_tsv(dir / "obs" / "coef.tsv").header;
  EXPECT_NE(std::find(header.begin(), header.end(), "dose2e+05"), header.end()) << ::testing::PrintToString(header);
  EXPECT_EQ(header, read_tsv(dir / "csv" / "coef.tsv").header);
}

}  // namespace
}  // namespace flashmm
#endif
