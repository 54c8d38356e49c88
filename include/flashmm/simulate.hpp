#pragma once
// Simulated multi-sample, multi-cell-type single-cell counts, after FLASHMM's simuRNAseq (in its
// mode without reference counts). The model, for gene g and cell c of sample s, cluster l:
//
//   count[c,g] ~ NB(size = k_g, mean = mu_g * exp(b[s,g] + o_c + beta_g * [treated(s), l = l_g]))
//
//   mu_g = mean_scale * (1 + Poisson(1)),  k_g = 1 + Poisson(1)      (FLASHMM's reference-free draw)
//   b[s,g] ~ N(0, var_random)        one random effect per sample and gene on the log mean
//   o_c ~ N(0, libsize_sdlog^2)      log library-size factor, the cell's offset
//   beta_g = +-U(min_beta, max_beta) for the de_genes last genes, each specific to one cluster l_g,
//                                    acting in the cells of the treated condition (the last one)
//
// Samples are nested in treatments (each sample belongs to exactly one). obs libsize is the cell's
// simulated total count, so log(libsize) is the usual offset covariate of the analysis.
//
// Results depend only on the options minus `threads`: every cell draws from its own random stream
// derived from (seed, cell index), so thread count and chunk size never change the data.
#include <flashmm/metadata.hpp>
#include <flashmm/types.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace flashmm {

/// Options of the simulator. The CLI option of each field is its name with '-' for '_'
/// (--genes, --de-genes, --var-random, ...); validation errors name those options.
struct SimulationOptions {
  Index genes = 100;          ///< --genes, >= 1
  Index cells = 100000;       ///< --cells, >= 1
  int samples = 25;           ///< --samples, >= treatments (samples are nested in treatments)
  int clusters = 10;          ///< --clusters, >= 1
  int treatments = 2;         ///< --treatments, 1..26; the last one is the treated condition
  int de_genes = 10;          ///< --de-genes, 0..genes; 0 when treatments == 1
  double min_beta = 0.5;      ///< --min-beta, 0 <= min_beta <= max_beta: |DE effect| on log mean
  double max_beta = 1.0;      ///< --max-beta
  double var_random = 0.2;    ///< --var-random, >= 0: variance of the sample random effects
  std::uint64_t seed = 1;     ///< --seed
  int threads = 0;            ///< --threads, 0 = all hardware threads; never changes the result
  /// --nonzero-fraction, in (0, 1): the gene means are scaled so that this is the expected fraction
  /// of nonzero counts (DE effects aside). Ignored when mean_scale > 0.
  double nonzero_fraction = 0.1;
  /// --mean-scale, >= 0: multiplier of FLASHMM's baseline means 1 + Poisson(1); 0 = calibrate
  /// it to nonzero_fraction.
  double mean_scale = 0.0;
  double libsize_sdlog = 0.5;      ///< --libsize-sdlog, >= 0: sd of the cells' log library factor
  /// --sample-imbalance, in [0, 1): cells are assigned to samples with weights 1 + a*(2u - 1),
  /// u ~ U(0,1) per sample; 0 = uniform.
  double sample_imbalance = 0.25;
  double cluster_imbalance = 0.25;  ///< --cluster-imbalance, in [0, 1): the same for clusters
};

/// One true DE gene: its effect `beta` (log scale) acts in cluster `cluster`, for the cells of
/// treatment `treatment`, relative to the other treatments.
struct SimulatedDeGene {
  std::string gene;
  std::string cluster;
  std::string treatment;
  double beta = 0.0;
  Index gene_index = 0;  ///< column of the gene in the count matrix
};

/// Everything about a simulation that is fixed before any cell is drawn: names, levels, the truth
/// and the model's parameters. Cheap (O(samples x genes)); a writer needs it before the first chunk.
struct SimulationDesign {
  Index genes = 0;
  Index cells = 0;
  std::vector<std::string> gene_names;        ///< "Gene1".."GeneN"
  std::vector<std::string> sample_levels;     ///< "A1".."A13","B1".."B12": treatment letter + number
  std::vector<std::int32_t> sample_treatment; ///< treatment code of each sample (samples entries)
  std::vector<std::string> cluster_levels;    ///< "1".."C"
  std::vector<std::string> treatment_levels;  ///< "A","B",...
  std::int32_t treated = 0;                   ///< code of the treated condition (the last one)
  std::vector<SimulatedDeGene> truth;         ///< de_genes entries, ordered by gene
  double mean_scale = 0.0;                    ///< the scale used (calibrated or given)
  std::vector<double> gene_mean;              ///< mu_g (scaled), genes entries
  std::vector<double> gene_size;              ///< NB size k_g, genes entries
  std::vector<double> random_effects;         ///< b[s,g], samples x genes, row-major
};

/// Build the design of a simulation (validates the options; throws InputError naming the option).
SimulationDesign make_simulation_design(const SimulationOptions& options);

/// Name of cell i (0-based): "Cell<i+1>", as FLASHMM names them.
std::string simulated_cell_id(Index cell);

/// The obs of simulated cells 0..n-1 from each cell's sample code, cluster code and total count
/// (n entries each): cell ids simulated_cell_id(i), columns sam, cls, trt (categorical with the
/// design's levels; trt is the sample's treatment) and libsize (numeric). Simulation::obs is this.
Metadata simulated_obs(const SimulationDesign& design, std::vector<std::int32_t> sample,
                       std::vector<std::int32_t> cluster, std::vector<double> libsize);

/// A block of consecutive cells, cells x genes CSR with sorted gene indices.
struct SimulationChunk {
  Index first_cell = 0;                ///< global index of the chunk's first cell
  Index n_cells = 0;
  Index n_genes = 0;
  std::vector<std::int64_t> indptr;    ///< n_cells + 1 entries, starting at 0
  std::vector<std::int32_t> indices;   ///< gene index of each nonzero, increasing within a row
  std::vector<std::int32_t> counts;    ///< the count of each nonzero (> 0)
  std::vector<std::int32_t> sample;    ///< sample code per cell (into design.sample_levels)
  std::vector<std::int32_t> cluster;   ///< cluster code per cell
  std::vector<std::int32_t> treatment; ///< treatment code per cell (the sample's treatment)
  std::vector<double> libsize;         ///< total count per cell (= row sum, exactly)

  CsrView<std::int32_t> view() const;
};

/// Simulate the cells chunk by chunk, in order, calling sink once per chunk (on the calling
/// thread) with cells [first_cell, first_cell + n_cells); every chunk but the last has
/// cells_per_chunk cells. Memory is O(cells_per_chunk x nonzeros per cell). The data are the same
/// for every cells_per_chunk and thread count.
void simulate_chunks(const SimulationOptions& options, Index cells_per_chunk,
                     const std::function<void(const SimulationChunk&)>& sink);

/// A whole simulated data set in memory.
struct Simulation {
  using DeGene = SimulatedDeGene;
  Index n_cells = 0;
  Index n_genes = 0;
  // cells x genes CSR counts, gene indices increasing within each row.
  std::vector<std::int64_t> indptr;   ///< n_cells + 1 entries
  std::vector<std::int32_t> indices;  ///< gene index of each nonzero
  std::vector<std::int32_t> counts;   ///< count of each nonzero (> 0)
  std::vector<std::string> gene_names;
  std::vector<std::string> cell_ids;
  /// Columns sam, cls, trt (categorical, levels in natural order) and libsize (numeric, the
  /// cell's total count); obs.cell_ids equals cell_ids.
  Metadata obs;
  std::vector<DeGene> truth;
  std::string treated;      ///< the treated condition's level
  double mean_scale = 0.0;  ///< the gene-mean scale used

  CsrView<std::int32_t> view() const;
};

/// Simulate a whole data set in memory (see simulate_chunks for the large ones).
Simulation simulate(const SimulationOptions& options);

}  // namespace flashmm
