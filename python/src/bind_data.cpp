// Python bindings of the data side: matrix sources, cell metadata, cells -> summary statistics,
// and summary statistics as objects and files (flashmm.sumstats, flashmm.merge).
#include <flashmm/error.hpp>
#include <flashmm/io/stats_file.hpp>
#include <flashmm/io/stats_merge.hpp>

#include "cli/cell_metadata.hpp"
#include "cli/output_file.hpp"

#include "bindings.hpp"
#include "cell_source.hpp"
#include "metadata.hpp"
#include "numpy_util.hpp"
#include "session.hpp"
#include "signal_handlers.hpp"
#include "stream.hpp"

#include <pybind11/stl.h>

namespace flashmm::python {

namespace {

CompressedArrays compressed(py::array indptr, py::array indices, py::array data, Index n_cells, Index n_genes,
                            std::string what) {
  CompressedArrays a;
  a.indptr = std::move(indptr);
  a.indices = std::move(indices);
  a.data = std::move(data);
  a.n_cells = n_cells;
  a.n_genes = n_genes;
  a.what = std::move(what);
  return a;
}

// The program's merge rule (io::merge_shard).
StatsHolder merge_all(const std::vector<const StatsHolder*>& parts, const std::vector<std::string>& labels) {
  if (parts.empty()) throw InputError("merge needs at least one set of summary statistics");
  StatsHolder merged = *parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i)
    io::merge_shard(merged.stats, merged.provenance, labels.front(), parts[i]->stats, parts[i]->provenance, labels[i]);
  return merged;
}

}  // namespace

void bind_data(py::module_& m) {
  py::class_<Session>(m, "Session")
      .def(py::init<py::object>(), py::arg("progress") = py::none())
      .def("take_messages", &Session::take_messages);

  py::class_<CellSource>(m, "CellSource")
      .def_property_readonly("n_cells", &CellSource::n_cells)
      .def_property_readonly("n_genes", &CellSource::n_genes)
      .def_property_readonly("what", &CellSource::what);
  py::class_<FileSource, CellSource>(m, "FileSource")
      .def_property_readonly("gene_names", [](FileSource& s) { return s.reader().gene_names(); })
      .def_property_readonly("cell_ids", [](FileSource& s) { return s.reader().cell_ids(); })
      .def_property_readonly("path", &FileSource::path);

  m.def(
      "csr_source",
      [](py::array indptr, py::array indices, py::array data, Index n_cells, Index n_genes, std::string what) {
        return csr_source(compressed(std::move(indptr), std::move(indices), std::move(data), n_cells, n_genes,
                                     std::move(what)));
      },
      "A cells x genes scipy CSR matrix's arrays, read in place");
  m.def(
      "csc_source",
      [](py::array indptr, py::array indices, py::array data, Index n_cells, Index n_genes, std::string what) {
        return csc_source(compressed(std::move(indptr), std::move(indices), std::move(data), n_cells, n_genes,
                                     std::move(what)));
      },
      "A cells x genes scipy CSC matrix's arrays (cell indices sorted within each gene), transposed block by block");
  m.def("dense_source", &dense_source, "A dense cells x genes numpy array, any dtype and strides");
  m.def(
      "file_source",
      [](const std::string& path, const std::string& layer, bool use_raw, const std::string& gene_column,
         const std::string& genes_file, const std::string& cells_file) {
        io::ReaderOptions o;
        o.layer = layer;
        o.use_raw = use_raw;
        o.gene_column = gene_column;
        o.genes_file = genes_file;
        o.cells_file = cells_file;
        py::gil_scoped_release release;
        return std::make_unique<FileSource>(path, o);
      },
      "A file the program reads (io::open_matrix)");

  py::class_<Metadata>(m, "Metadata")
      .def_property_readonly("n_cells", &Metadata::n_cells)
      .def_property_readonly("columns", [](const Metadata& md) {
        std::vector<std::string> names;
        for (const auto& c : md.columns) names.push_back(c.name);
        return names;
      });
  m.def("make_metadata", &make_metadata, "Cell metadata from obs's columns (see python/src/metadata.hpp)");
  m.def(
      "file_metadata",
      [](FileSource& source, const std::string& metadata_file, const std::vector<std::string>& categorical) {
        py::gil_scoped_release release;
        return cli::load_cell_metadata({source.path(), metadata_file, categorical}, source.reader());
      },
      "The metadata of a file's cells as the program reads it (the .h5ad's obs or a metadata file)");

  py::class_<StreamRequest>(m, "StreamRequest")
      .def(py::init<>())
      .def_readwrite("fixed", &StreamRequest::fixed)
      .def_readwrite("random", &StreamRequest::random)
      .def_readwrite("transform", &StreamRequest::transform)
      .def_readwrite("chunk_cells", &StreamRequest::chunk_cells)
      .def_readwrite("threads", &StreamRequest::threads)
      .def_readwrite("device", &StreamRequest::device)
      .def_readwrite("begin", &StreamRequest::begin)
      .def_readwrite("end", &StreamRequest::end)
      .def_readwrite("matrix", &StreamRequest::matrix)
      .def_readwrite("categorical", &StreamRequest::categorical)
      .def_readwrite("contrasts", &StreamRequest::contrasts);

  py::class_<StatsHolder>(m, "Stats")
      .def_property_readonly("n", [](const StatsHolder& s) { return s.stats.n; })
      .def_property_readonly("XX", [](const StatsHolder& s) { return matrix(s.stats.XX); })
      .def_property_readonly("XY", [](const StatsHolder& s) { return matrix(s.stats.XY); })
      .def_property_readonly("ZX", [](const StatsHolder& s) { return matrix(s.stats.ZX); })
      .def_property_readonly("ZY", [](const StatsHolder& s) { return matrix(s.stats.ZY); })
      .def_property_readonly("ZZ", [](const StatsHolder& s) { return matrix(s.stats.ZZ); })
      .def_property_readonly("Ynorm", [](const StatsHolder& s) { return vector(s.stats.Ynorm); })
      .def_property_readonly("d", [](const StatsHolder& s) { return s.stats.d; })
      .def_property_readonly("fixed_names", [](const StatsHolder& s) { return s.stats.fixed_names; })
      .def_property_readonly("random_names", [](const StatsHolder& s) { return s.stats.random_names; })
      .def_property_readonly("component_names", [](const StatsHolder& s) { return s.stats.component_names; })
      .def_property_readonly("gene_names", [](const StatsHolder& s) { return s.stats.gene_names; })
      .def_property_readonly("transform", [](const StatsHolder& s) { return s.provenance.transform; })
      .def_property_readonly("fixed", [](const StatsHolder& s) { return s.provenance.fixed_formula; })
      .def_property_readonly("random", [](const StatsHolder& s) { return s.provenance.random_formulas; })
      .def_property_readonly("matrix", [](const StatsHolder& s) { return s.provenance.matrix; })
      .def(
          "write",
          [](const StatsHolder& s, const std::string& path, bool force) {
            py::gil_scoped_release release;
            const KeepSignalHandlers keep;
            cli::OutputFiles out({path}, force, "path");
            out.write(0, [&](const std::string& p) { io::write_summary_stats(p, s.stats, s.provenance); });
            out.commit();
          },
          py::arg("path"), py::arg("force") = false);

  m.def(
      "check_output_file",
      [](const std::string& path, bool force) {
        const KeepSignalHandlers keep;
        cli::check_output_file(path, force);
      },
      py::arg("path"), py::arg("force"),
        "IoError when path exists and not force, or its directory is missing or not writable (before any work)");
  m.def(
      "stream_stats",
      [](CellSource& source, std::vector<std::string> gene_names, Metadata& metadata, const StreamRequest& request,
         Session& session) {
        return session.run([&] {
          StatsHolder h;
          // Which cells of which input the statistics cover, as the program records them.
          const std::string identity = io::input_identity(metadata.cell_ids, gene_names);
          const Index n_cells = source.n_cells();
          h.stats = stream_stats(source, std::move(gene_names), std::move(metadata), request, session);
          h.provenance.transform = request.transform;
          h.provenance.fixed_formula = request.fixed;
          h.provenance.random_formulas = request.random;
          h.provenance.matrix = request.matrix;
          h.provenance.cells = {{source.what(), identity, n_cells, request.begin, request.end < 0 ? n_cells : request.end}};
          return h;
        });
      },
      "The model's summary statistics over the source's cells (the metadata object is consumed)");
  m.def(
      "read_stats",
      [](const std::string& path) {
        py::gil_scoped_release release;
        StatsHolder h;
        h.stats = io::read_summary_stats(path, &h.provenance);
        return h;
      },
      "Summary statistics from a file of flashmm sumstats or merge");
  m.def(
      "merge_stats",
      [](const std::vector<const StatsHolder*>& parts, const std::vector<std::string>& labels) {
        if (labels.size() != parts.size()) throw InputError("internal: one label per set of statistics");
        py::gil_scoped_release release;
        return merge_all(parts, labels);
      },
      "Adds up summary statistics of disjoint shards of cells (same model, same genes)");
}

}  // namespace flashmm::python
