// Python binding of the simulator (flashmm.simulate): a whole data set as arrays for an AnnData.
#include <flashmm/simulate.hpp>

#include "bindings.hpp"
#include "numpy_util.hpp"
#include "session.hpp"

#include <pybind11/stl.h>

namespace flashmm::python {

namespace {

// The simulated cells chunk by chunk (checkpoints between chunks, so Ctrl-C stops it), gathered
// into one cells x genes CSR matrix and the obs columns.
py::dict simulate_all(const SimulationOptions& o, Index chunk_cells, Session& session) {
  std::vector<std::int64_t> indptr{0};
  std::vector<std::int32_t> indices, counts, sample, cluster;
  std::vector<double> libsize;
  SimulationDesign design;
  session.run([&] {
    design = make_simulation_design(o);  // validates the options first
    simulate_chunks(o, chunk_cells, [&](const SimulationChunk& c) {
      const std::int64_t base = indptr.back();
      for (std::size_t i = 1; i < c.indptr.size(); ++i) indptr.push_back(base + c.indptr[i]);
      indices.insert(indices.end(), c.indices.begin(), c.indices.end());
      counts.insert(counts.end(), c.counts.begin(), c.counts.end());
      sample.insert(sample.end(), c.sample.begin(), c.sample.end());
      cluster.insert(cluster.end(), c.cluster.begin(), c.cluster.end());
      libsize.insert(libsize.end(), c.libsize.begin(), c.libsize.end());
      session.checkpoint("simulating", c.first_cell + c.n_cells, design.cells);
    });
    return 0;
  });
  const Metadata obs = simulated_obs(design, std::move(sample), std::move(cluster), std::move(libsize));
  py::dict d;
  d["indptr"] = to_numpy(std::move(indptr));
  d["indices"] = to_numpy(std::move(indices));
  d["counts"] = to_numpy(std::move(counts));
  d["n_cells"] = design.cells;
  d["n_genes"] = design.genes;
  d["gene_names"] = design.gene_names;
  d["cell_ids"] = obs.cell_ids;
  py::list columns;
  for (const auto& c : obs.columns) {
    if (c.kind == MetadataColumn::Kind::categorical)
      columns.append(py::make_tuple(c.name, to_numpy(std::vector<std::int32_t>(c.codes)), c.levels));
    else
      columns.append(py::make_tuple(c.name, to_numpy(std::vector<double>(c.numbers)), py::none()));
  }
  d["obs"] = columns;
  py::list truth;
  for (const auto& t : design.truth) truth.append(py::make_tuple(t.gene, t.cluster, t.treatment, t.beta));
  d["truth"] = truth;
  d["treated"] = design.treatment_levels[static_cast<std::size_t>(design.treated)];
  d["mean_scale"] = design.mean_scale;
  return d;
}

}  // namespace

void bind_simulate(py::module_& m) {
  py::class_<SimulationOptions>(m, "SimulationOptions")
      .def(py::init<>())
      .def_readwrite("genes", &SimulationOptions::genes)
      .def_readwrite("cells", &SimulationOptions::cells)
      .def_readwrite("samples", &SimulationOptions::samples)
      .def_readwrite("clusters", &SimulationOptions::clusters)
      .def_readwrite("treatments", &SimulationOptions::treatments)
      .def_readwrite("de_genes", &SimulationOptions::de_genes)
      .def_readwrite("min_beta", &SimulationOptions::min_beta)
      .def_readwrite("max_beta", &SimulationOptions::max_beta)
      .def_readwrite("var_random", &SimulationOptions::var_random)
      .def_readwrite("seed", &SimulationOptions::seed)
      .def_readwrite("threads", &SimulationOptions::threads)
      .def_readwrite("nonzero_fraction", &SimulationOptions::nonzero_fraction)
      .def_readwrite("mean_scale", &SimulationOptions::mean_scale)
      .def_readwrite("libsize_sdlog", &SimulationOptions::libsize_sdlog)
      .def_readwrite("sample_imbalance", &SimulationOptions::sample_imbalance)
      .def_readwrite("cluster_imbalance", &SimulationOptions::cluster_imbalance);
  m.def("simulate", &simulate_all, py::arg("options"), py::arg("chunk_cells"), py::arg("session"),
        "A simulated data set (FLASHMM's simuRNAseq model) as arrays");
}

}  // namespace flashmm::python
