"""flashmm.simulate: a simulated multi-sample study as an AnnData."""

import numpy as np
import pandas as pd
import scipy.sparse

from . import _flashmm
from ._messages import session


def simulate(*, genes=100, cells=100000, samples=25, clusters=10, treatments=2, de_genes=10, min_beta=0.5,
             max_beta=1.0, var_random=0.2, seed=1, nonzero_fraction=0.1, mean_scale=0.0, libsize_sdlog=0.5,
             sample_imbalance=0.25, cluster_imbalance=0.25, threads=0, chunk_cells=20000, dtype=np.float32,
             progress=True):
    """Multi-sample single-cell counts after FLASHMM's simuRNAseq, as ``flashmm simulate`` (the same
    data for the same options, whatever threads and chunk_cells). Returns an AnnData: X cells x genes
    CSR counts (dtype float32 as the program's .h5ad, or e.g. numpy.int32), obs sam, cls, trt
    (categorical) and libsize, and in ``uns["simulation"]``: ``truth`` (a DataFrame of the DE genes:
    gene, cluster, treatment, beta), ``treated`` and ``mean_scale``."""
    import anndata

    o = _flashmm.SimulationOptions()
    o.genes, o.cells, o.samples, o.clusters, o.treatments = genes, cells, samples, clusters, treatments
    o.de_genes, o.min_beta, o.max_beta, o.var_random, o.seed = de_genes, min_beta, max_beta, var_random, seed
    o.nonzero_fraction, o.mean_scale, o.libsize_sdlog = nonzero_fraction, mean_scale, libsize_sdlog
    o.sample_imbalance, o.cluster_imbalance, o.threads = sample_imbalance, cluster_imbalance, threads
    with session(progress) as s:
        d = _flashmm.simulate(o, int(chunk_cells), s)
    X = scipy.sparse.csr_matrix((d["counts"].astype(dtype, copy=False), d["indices"], d["indptr"]),
                                shape=(d["n_cells"], d["n_genes"]))
    obs = {}
    for name, values, levels in d["obs"]:
        obs[name] = pd.Categorical.from_codes(values, categories=levels) if levels is not None else values
    obs = pd.DataFrame(obs, index=pd.Index(d["cell_ids"]))
    var = pd.DataFrame(index=pd.Index(d["gene_names"]))
    truth = pd.DataFrame(d["truth"], columns=["gene", "cluster", "treatment", "beta"])
    adata = anndata.AnnData(X=X, obs=obs, var=var, dtype=X.dtype)
    adata.uns["simulation"] = {"truth": truth, "treated": d["treated"], "mean_scale": d["mean_scale"]}
    return adata
