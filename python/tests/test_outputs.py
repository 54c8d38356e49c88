"""to_dir writes the program's files with its writers; read_fit reads them back; to_adata puts the
tests where scanpy users look."""

import h5py
import numpy as np
import pytest

import flashmm
from conftest import h5_datasets, MAIN, MODELS, TABLES, assert_same_frame


@pytest.mark.parametrize("name", ["reml", "two_components", "satterthwaite"])
def test_to_dir_writes_the_programs_bytes(name, s1_adata, cli_outputs, tmp_path):
    result = flashmm.de(s1_adata, **MODELS[name], device="cpu", progress=False)
    result.to_dir(tmp_path / "out")
    theirs = cli_outputs(name)
    for f in TABLES + ["genes.tsv", "de.tsv"]:
        assert (tmp_path / "out" / f).read_bytes() == (theirs / f).read_bytes(), f
    with h5py.File(tmp_path / "out" / "fit.h5") as a, h5py.File(theirs / "fit.h5") as b:
        names = h5_datasets(a)
        assert names == h5_datasets(b) and names
        for key in names:
            assert np.array_equal(a[key][()], b[key][()], equal_nan=a[key].dtype.kind == "f"), key
        options = dict(zip(a.attrs["option_names"], a.attrs["option_values"]))
        theirs_options = dict(zip(b.attrs["option_names"], b.attrs["option_values"]))
        assert options.pop("input") == "<in-memory AnnData>"
        theirs_options.pop("input")
        assert options == theirs_options


def test_read_fit_tests_more_contrasts(s1_adata, tmp_path):
    result = flashmm.de(s1_adata, **MODELS["satterthwaite"], progress=False)
    result.to_dir(tmp_path / "out")
    back = flashmm.read_fit(tmp_path / "out")
    assert back.df_method == "satterthwaite"
    assert_same_frame(back.coef, result.coef, "coef")
    assert_same_frame(back.table, result.table, "table")
    spec = "AvB=cls1:trtB - cls2:trtB"
    assert_same_frame(back.test(spec), result.test(spec), "test")


def test_to_adata_has_rank_genes_groups_layout(s1_adata, tmp_path):
    import anndata

    result = flashmm.de(s1_adata, **MAIN, contrasts={"BvsA": "(cls1:trtB+cls2:trtB)/2"}, progress=False)
    adata = s1_adata.copy()
    assert result.to_adata(adata, key="de") is adata
    uns = adata.uns["de"]
    assert uns["params"]["method"] == "flashmm"
    assert list(uns["names"].dtype.names) == result.tests
    rows = result.table[result.table.test == "BvsA"]
    order = np.argsort(-rows["t"].to_numpy(), kind="stable")
    assert list(uns["names"]["BvsA"]) == list(rows["gene"].to_numpy()[order])
    assert np.array_equal(uns["scores"]["BvsA"], rows["t"].to_numpy()[order])
    assert np.array_equal(uns["pvals_adj"]["BvsA"], rows["fdr"].to_numpy()[order], equal_nan=True)
    assert np.array_equal(uns["logfoldchanges"]["BvsA"], rows["coef"].to_numpy()[order])
    # what scanpy.get.rank_genes_groups_df does with it
    import pandas as pd
    frame = pd.concat([pd.DataFrame(uns[c])[["BvsA"]].rename(columns={"BvsA": c})
                       for c in ("names", "scores", "logfoldchanges", "pvals", "pvals_adj")], axis=1)
    assert frame.iloc[0]["names"] == rows["gene"].to_numpy()[order][0]
    adata.write_h5ad(tmp_path / "with_de.h5ad")
    back = anndata.read_h5ad(tmp_path / "with_de.h5ad")
    assert list(back.uns["de"]["names"]["BvsA"]) == list(uns["names"]["BvsA"])
    with pytest.raises(flashmm.InputError):
        result.to_adata(adata, tests=["nope"])
