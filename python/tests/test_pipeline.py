"""sumstats, merge, fit and simulate mirror the program's subcommands."""

import anndata
import h5py
import numpy as np
import pytest

import flashmm
from conftest import h5_datasets, DATA, MAIN, assert_matches_cli, cli_args, run_cli

MODEL = dict(fixed=MAIN["fixed"], random=MAIN["random"])
FIT = dict(max_iter=MAIN["max_iter"], epsilon=MAIN["epsilon"])


def test_sumstats_file_equals_the_programs(s1_adata, tmp_path):
    stats = flashmm.sumstats(s1_adata, **MODEL, out=tmp_path / "py.h5", device="cpu", progress=False)
    run_cli("sumstats", DATA / "s1.h5ad", *cli_args(MODEL), "--device", "cpu", "--quiet", "-o", tmp_path / "cli.h5")
    with h5py.File(tmp_path / "py.h5") as a, h5py.File(tmp_path / "cli.h5") as b:
        names = h5_datasets(a)
        assert names == h5_datasets(b) and names
        for key in names:
            if key == "cells_input":  # the input as given: an AnnData here, a path there
                continue
            assert np.array_equal(a[key][()], b[key][()]), key
        assert sorted(a.attrs.keys()) == sorted(b.attrs.keys())
        for key in a.attrs.keys():
            assert np.array_equal(a.attrs[key], b.attrs[key]), key
    assert stats.n == 4000 and stats.XY.shape == (len(stats.fixed_names), 60)
    with pytest.raises(flashmm.IoError, match="already exists"):
        flashmm.sumstats(s1_adata, **MODEL, out=tmp_path / "py.h5", progress=False)


def test_shards_merge_and_fit_to_de(s1_adata, cli_outputs, tmp_path):
    a = flashmm.sumstats(s1_adata, **MODEL, cell_range=(1, 1500), progress=False)
    flashmm.sumstats(s1_adata, **MODEL, cell_range="1501:", out=tmp_path / "b.h5", progress=False)
    merged = flashmm.merge(a, tmp_path / "b.h5", out=tmp_path / "all.h5")
    assert merged.n == 4000
    whole = flashmm.sumstats(s1_adata, **MODEL, progress=False)
    np.testing.assert_allclose(merged.XY, whole.XY, rtol=1e-12)
    # the program's merge of the same shards, fitted by both
    a.write(tmp_path / "a.h5")
    run_cli("merge", tmp_path / "a.h5", tmp_path / "b.h5", "-o", tmp_path / "cli_all.h5")
    run_cli("fit", tmp_path / "cli_all.h5", "--max-iter", "100", "--epsilon", "1e-08", "--device", "cpu", "--quiet",
            "--out", tmp_path / "cli_fit")
    assert_matches_cli(flashmm.fit(tmp_path / "all.h5", **FIT, device="cpu", progress=False), tmp_path / "cli_fit")
    assert_matches_cli(flashmm.fit(merged, **FIT, device="cpu", progress=False), tmp_path / "cli_fit")
    # the whole data in one piece: fit equals de
    assert_matches_cli(flashmm.fit(whole, **FIT, device="cpu", progress=False), cli_outputs("reml"))
    other = flashmm.sumstats(s1_adata, fixed=MAIN["fixed"], random="~ 0 + batch", progress=False)
    with pytest.raises(flashmm.InputError, match="only shards of cells of the same model merge"):
        flashmm.merge(a, other)
    # shards of another matrix of the same cells (a layer) are another model's data too
    layered = s1_adata.copy()
    layered.layers["counts"] = layered.X.copy()
    b_layer = flashmm.sumstats(layered, **MODEL, layer="counts", cell_range="1501:", progress=False)
    assert b_layer.matrix == "layers/counts" and a.matrix == "X"
    with pytest.raises(flashmm.InputError, match="from the input's layers/counts"):
        flashmm.merge(a, b_layer)


def test_simulate_equals_the_programs_h5ad(tmp_path):
    opts = dict(genes=20, cells=2000, samples=6, clusters=3, de_genes=4, seed=7)
    adata = flashmm.simulate(**opts, progress=False)
    run_cli("simulate", *[a for k, v in opts.items() for a in ("--" + k.replace("_", "-"), v)], "--quiet", "--out",
            tmp_path / "sim.h5ad")
    theirs = anndata.read_h5ad(tmp_path / "sim.h5ad")
    assert (adata.X != theirs.X).nnz == 0 and adata.X.dtype == theirs.X.dtype
    assert list(adata.obs_names) == list(theirs.obs_names)
    assert list(adata.var_names) == list(theirs.var_names)
    for col in ("sam", "cls", "trt"):
        assert list(adata.obs[col].cat.categories) == list(theirs.obs[col].cat.categories), col
        assert (adata.obs[col].to_numpy() == theirs.obs[col].to_numpy()).all(), col
    assert np.array_equal(adata.obs["libsize"].to_numpy(), theirs.obs["libsize"].to_numpy())
    truth = adata.uns["simulation"]["truth"]
    assert len(truth) == 4 and list(truth.columns) == ["gene", "cluster", "treatment", "beta"]
    # and de on it equals the program's de on its file
    model = dict(fixed="~ 0 + log(libsize) + cls + cls:trt", random="~ 0 + sam")
    run_cli("de", tmp_path / "sim.h5ad", *cli_args(model), "--device", "cpu", "--quiet", "--out", tmp_path / "de")
    assert_matches_cli(flashmm.de(adata, **model, device="cpu", progress=False), tmp_path / "de")
    counts = flashmm.simulate(**opts, dtype=np.int32, progress=False)
    assert counts.X.dtype == np.int32 and (counts.X != adata.X).nnz == 0
