// Inputs as scanpy users write them, through the program: log-normalised X with the counts in
// a layer (refused with the hint, and --layer counts fits to the same bits as the counts-only
// file); a 10x directory with the metadata.csv simulate writes; options that do not apply.
#ifdef FLASHMM_CLI_PATH
#include <gtest/gtest.h>

#include <flashmm/io/h5ad.hpp>
#include <flashmm/io/matrix_reader.hpp>

#include "io/hdf5_util.hpp"
#include "support/cli_run.hpp"
#include "support/fixture.hpp"
#include "support/s1.hpp"

#include <cmath>
#include <filesystem>
#include <string>

namespace flashmm {
namespace {

namespace fs = std::filesystem;
namespace h5 = detail::h5;
using testing::CliRun;
using testing::data_path;
using testing::q;
using testing::run_cli;
using testing::slurp;
using testing::work_dir;

const std::string kModel =
    "--fixed '~ 0 + log(libsize) + cls + cls:trt' --random '~ 0 + sam' --method reml --max-iter 100 "
    "--epsilon 1e-8 --quiet";

// s1 as scanpy leaves it after sc.pp.normalize_total(target_sum=1e4) and sc.pp.log1p, with
// adata.layers["counts"] holding the counts (float32, as s1.h5ad's X).
void write_scanpy_style(const fs::path& path) {
  auto r = io::open_matrix(data_path("s1.h5ad"));
  testing::Compressed<float> counts, lognorm;
  io::CellChunk c;
  while (r->next_chunk(c, 1000)) {
    for (Index i = 0; i < c.n_cells; ++i) {
      const auto b = c.indptr[static_cast<std::size_t>(i)], e = c.indptr[static_cast<std::size_t>(i) + 1];
      float total = 0;
      for (auto k = b; k < e; ++k) total += static_cast<float>(c.values[static_cast<std::size_t>(k)]);
      for (auto k = b; k < e; ++k) {
        const auto v = static_cast<float>(c.values[static_cast<std::size_t>(k)]);
        counts.indices.push_back(c.indices[static_cast<std::size_t>(k)]);
        counts.values.push_back(v);
        lognorm.indices.push_back(c.indices[static_cast<std::size_t>(k)]);
        lognorm.values.push_back(std::log1p(v / total * 1e4f));
      }
      counts.indptr.push_back(static_cast<std::int64_t>(counts.values.size()));
      lognorm.indptr.push_back(static_cast<std::int64_t>(lognorm.values.size()));
    }
  }
  const Metadata obs = io::read_h5ad_obs(data_path("s1.h5ad"));
  io::write_h5ad(path.string(), lognorm.view<CsrView<float>>(r->n_cells(), r->n_genes()), r->gene_names(), obs);
  h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(f.valid());
  h5::Handle layers = h5::is_group(f, "layers") ? h5::open_group(f, "layers") : h5::create_group(f, "layers");
  h5::Handle m = h5::create_group(layers, "counts");
  h5::write_encoding(m, "csr_matrix", "0.1.0");
  h5::write_int64_array_attr(m, "shape", {r->n_cells(), r->n_genes()});
  h5::write_vector(m, "data", counts.values, 4);
  h5::write_vector(m, "indices", counts.indices, 4);
  h5::write_vector(m, "indptr", counts.indptr);
}

TEST(CliInputs, LogNormalisedXIsRefusedWithTheCountLayerAndTheLayerFitsAsTheCounts) {
  const fs::path dir = work_dir("inputs_scanpy");
  write_scanpy_style(dir / "scanpy.h5ad");
  const CliRun refused = run_cli("de " + q(dir / "scanpy.h5ad") + " " + kModel + " --out " + q(dir / "x"), dir);
  EXPECT_NE(refused.status, 0);
  for (const char* part : {"is not a count", "in cell 1", "holds counts in --layer counts", "--transform none"})
    EXPECT_NE(refused.err.find(part), std::string::npos) << "missing '" << part << "' in: " << refused.err;
  EXPECT_FALSE(fs::exists(dir / "x" / "coef.tsv"));

  const CliRun layer =
      run_cli("de " + q(dir / "scanpy.h5ad") + " --layer counts " + kModel + " --out " + q(dir / "layer"), dir);
  ASSERT_EQ(layer.status, 0) << layer.err;
  const CliRun plain = run_cli("de " + q(data_path("s1.h5ad")) + " " + kModel + " --out " + q(dir / "plain"), dir);
  ASSERT_EQ(plain.status, 0) << plain.err;
  for (const char* f : {"coef.tsv", "se.tsv", "t.tsv", "p.tsv", "theta.tsv", "se_theta.tsv", "dlogL.tsv", "genes.tsv",
                        "de.tsv"}) {
    const std::string ref = slurp(dir / "plain" / f);
    EXPECT_FALSE(ref.empty()) << f;
    EXPECT_EQ(slurp(dir / "layer" / f), ref) << f;
  }
  // Values on the modelled scale are taken as they are with --transform none.
  const CliRun none = run_cli("sumstats " + q(dir / "scanpy.h5ad") +
                                  " --fixed '~ 0 + log(libsize) + cls' --random '~ 0 + sam' --quiet --transform none -o " +
                                  q(dir / "none.h5"),
                              dir);
  EXPECT_EQ(none.status, 0) << none.err;
}

TEST(CliInputs, TenxDirectoryUsesItsMetadataCsvWithANote) {
  const fs::path dir = work_dir("inputs_tenx_meta");
  const CliRun sim = run_cli("simulate --genes 6 --cells 400 --samples 4 --clusters 2 --treatments 2 --de-genes 1 "
                             "--seed 3 --quiet --out " +
                                 q(dir / "sim"),
                             dir);
  ASSERT_EQ(sim.status, 0) << sim.err;
  ASSERT_TRUE(fs::exists(dir / "sim" / "metadata.csv"));
  const std::string model = "--fixed '~ 0 + log(libsize) + cls' --random '~ 0 + sam' ";
  const CliRun r = run_cli("de " + q(dir / "sim") + " " + model + "--out " + q(dir / "out"), dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("note: cell metadata from '" + (dir / "sim" / "metadata.csv").string() + "'"), std::string::npos)
      << r.err;
  // The same as naming it.
  const CliRun named = run_cli("de " + q(dir / "sim") + " " + model + "--quiet --metadata " +
                                   q(dir / "sim" / "metadata.csv") + " --out " + q(dir / "named"),
                               dir);
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_EQ(slurp(dir / "out" / "coef.tsv"), slurp(dir / "named" / "coef.tsv"));
  EXPECT_EQ(named.err.find("note:"), std::string::npos) << named.err;
  // --feature-types reaches the reader (simulate writes Gene Expression features only).
  const CliRun all = run_cli("de " + q(dir / "sim") + " " + model + "--quiet --feature-types all --out " + q(dir / "all"), dir);
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(slurp(dir / "all" / "coef.tsv"), slurp(dir / "named" / "coef.tsv"));
}

TEST(CliInputs, OptionsThatDoNotApplyAreRefusedByTheirFlag) {
  const fs::path dir = work_dir("inputs_options");
  const CliRun genes = run_cli("de " + q(data_path("s1.h5ad")) + " --genes " + q(data_path("s1_genes.txt")) + " " +
                                   kModel + " --out " + q(dir / "a"),
                               dir);
  EXPECT_NE(genes.status, 0);
  EXPECT_NE(genes.err.find("applies only to MatrixMarket (.mtx) inputs"), std::string::npos) << genes.err;
  // Named as typed (--genes, not its other name --genes-file nor the library's genes_file).
  EXPECT_NE(genes.err.find("the --genes option applies"), std::string::npos) << genes.err;
  EXPECT_EQ(genes.err.find("genes-file"), std::string::npos) << genes.err;
  EXPECT_EQ(genes.err.find("genes_file"), std::string::npos) << genes.err;
  const CliRun layer = run_cli("de " + q(data_path("s1_10x")) + " --layer counts --metadata " +
                                   q(data_path("s1_metadata.csv")) + " " + kModel + " --out " + q(dir / "b"),
                               dir);
  EXPECT_NE(layer.status, 0);
  EXPECT_NE(layer.err.find("applies only to .h5ad inputs"), std::string::npos) << layer.err;
  EXPECT_NE(layer.err.find("the --layer option applies"), std::string::npos) << layer.err;
}

}  // namespace
}  // namespace flashmm
#endif
