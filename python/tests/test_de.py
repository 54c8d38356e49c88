"""flashmm.de on s1 gives the program's tables to the last bit, from every kind of input."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import flashmm
from conftest import DATA, MAIN, MODELS, assert_matches_cli, read_tsv


def de(data, model, **kw):
    return flashmm.de(data, device="cpu", progress=False, **model, **kw)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_in_memory_anndata_equals_the_program(name, s1_adata, cli_outputs):
    assert_matches_cli(de(s1_adata, MODELS[name]), cli_outputs(name))


@pytest.mark.parametrize("name", ["reml", "two_components"])
def test_h5ad_path_equals_the_program(name, cli_outputs):
    assert_matches_cli(de(DATA / "s1.h5ad", MODELS[name]), cli_outputs(name))


@pytest.mark.parametrize("layout", ["csr", "csc", "dense", "dense_fortran", "csr_int32", "csc_float64",
                                    "dense_int64", "csr_uint16", "csr_int64_indices", "csr_unsorted"])
def test_every_matrix_layout_and_dtype_equals_the_program(layout, s1_adata, cli_outputs):
    X = s1_adata.X
    if layout == "csc":
        X = X.tocsc()
    elif layout == "dense":
        X = X.toarray()
    elif layout == "dense_fortran":
        X = np.asfortranarray(X.toarray())
    elif layout == "csr_int32":
        X = X.astype(np.int32)
    elif layout == "csc_float64":
        X = X.astype(np.float64).tocsc()
    elif layout == "dense_int64":
        X = X.toarray().astype(np.int64)
    elif layout == "csr_uint16":
        X = X.astype(np.uint16)
    elif layout == "csr_int64_indices":
        X = scipy.sparse.csr_matrix((X.data, X.indices.astype(np.int64), X.indptr.astype(np.int64)), shape=X.shape)
    elif layout == "csr_unsorted":
        # each cell's entries reversed, and one entry split in two that add up to it
        indptr, indices, data = X.indptr, X.indices.copy(), X.data.copy()
        for c in range(X.shape[0]):
            indices[indptr[c]:indptr[c + 1]] = indices[indptr[c]:indptr[c + 1]][::-1]
            data[indptr[c]:indptr[c + 1]] = data[indptr[c]:indptr[c + 1]][::-1]
        X = scipy.sparse.csr_matrix((data, indices, indptr), shape=X.shape)
        assert not X.has_sorted_indices
    adata = s1_adata.copy()
    adata.X = X
    assert_matches_cli(de(adata, MAIN), cli_outputs("reml"))


def test_layer_and_raw(s1_adata, cli_outputs):
    import anndata

    adata = s1_adata.copy()
    adata.layers["counts"] = adata.X.copy()
    adata.X = adata.X * 0.5  # something else
    assert_matches_cli(de(adata, MAIN, layer="counts"), cli_outputs("reml"))
    raw = anndata.AnnData(X=s1_adata.X.copy(), obs=s1_adata.obs, var=s1_adata.var)
    adata.raw = raw
    assert_matches_cli(de(adata, MAIN, use_raw=True), cli_outputs("reml"))


@pytest.mark.parametrize("chunk_cells", [1000, 20000])
def test_blocks_of_cells_match_the_program_with_the_same_blocks(chunk_cells, s1_adata, tmp_path):
    from conftest import cli_args, run_cli

    run_cli("de", DATA / "s1.h5ad", *cli_args(MAIN), "--chunk-cells", chunk_cells, "--device", "cpu", "--quiet",
            "--out", tmp_path / "out")
    for X in (s1_adata.X, s1_adata.X.tocsc(), s1_adata.X.toarray()):
        adata = s1_adata.copy()
        adata.X = X
        assert_matches_cli(de(adata, MAIN, chunk_cells=chunk_cells), tmp_path / "out")


def test_ten_x_directory_with_a_metadata_file_and_a_dataframe(s1_adata, cli_outputs):
    result = de(DATA / "s1_10x", MAIN, metadata=DATA / "s1_metadata.csv", categorical=["cls"])
    assert_matches_cli(result, cli_outputs("reml"))
    meta = pd.read_csv(DATA / "s1_metadata.csv", index_col=0)
    meta["cls"] = meta["cls"].astype(str)
    assert_matches_cli(de(DATA / "s1_10x", MAIN, metadata=meta.iloc[::-1]), cli_outputs("reml"))


def test_matches_the_flashmm_fixtures(s1_adata):
    result = de(s1_adata, MODELS["residual"])
    for table, fixture in (("coef", "s1_reml_coef.csv"), ("se", "s1_reml_se.csv"), ("theta", "s1_reml_theta.csv"),
                           ("p", "s1_reml_p.csv")):
        ref = pd.read_csv(DATA / fixture, index_col=0)
        ours = getattr(result, table)
        np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy().T, rtol=1e-8, atol=0)


def test_contrasts_match_the_program(s1_adata, cli_outputs):
    exprs = (DATA / "s1_contrast_exprs.txt").read_text().split("\n")
    exprs = [e for e in exprs if e.strip()]
    model = dict(MAIN, contrasts=exprs)
    result = de(s1_adata, model)
    assert_matches_cli(result, cli_outputs("contrasts", model))
    assert result.tests[-len(exprs):] == ["BvsA", "cls2:trtB-cls1:trtB", "L", "M"]
    # a dict names its contrasts: the same tests as "NAME=EXPR" strings
    named = {e.split("=", 1)[0]: e.split("=", 1)[1] for e in exprs if "=" in e}
    assert sorted(named) == ["BvsA", "L", "M"]
    as_dict = de(s1_adata, MAIN, contrasts=named)
    as_list = de(s1_adata, MAIN, contrasts=[e for e in exprs if "=" in e])
    pd.testing.assert_frame_equal(as_dict.table, as_list.table, check_exact=True)


def test_more_contrasts_on_the_fit_match_flashmm_test(s1_adata, cli_outputs, tmp_path):
    from conftest import run_cli

    for name in ("residual", "satterthwaite"):
        result = de(s1_adata, MODELS[name])
        spec = "AvB=cls1:trtB - cls2:trtB"
        run_cli("test", cli_outputs(name) / "fit.h5", "--contrast", spec, "--df", name, "--out", tmp_path / name)
        ours = result.test(spec)
        theirs = read_tsv(tmp_path / name / "de.tsv", index=False)
        theirs["converged"] = theirs["converged"].astype(str).str.lower() == "true"
        from conftest import assert_same_frame
        assert_same_frame(ours, theirs, f"test on {name}")
        assert result.df_method == name
    # Satterthwaite df of a contrast differ from n - p, and equal the fit's for a single coefficient
    sat = de(s1_adata, MODELS["satterthwaite"])
    single = sat.test("cls1:trtB")
    coef = sat.table[sat.table.test == "cls1:trtB"]
    assert np.array_equal(single["df"].to_numpy(), coef["df"].to_numpy(), equal_nan=True)
    residual = sat.test("cls1:trtB", df="residual")
    assert np.all(residual["df"].to_numpy() == sat.n - len(sat.fixed_names))
    assert not np.allclose(single["df"].to_numpy(), residual["df"].to_numpy())


def test_result_tables_have_the_documented_shape(s1_adata):
    result = de(s1_adata, MODELS["two_components"])
    assert list(result.table.columns) == ["gene", "test", "coef", "se", "t", "df", "p", "fdr", "mean",
                                          "nonzero_fraction", "converged"]
    assert len(result.table) == 60 * len(result.fixed_names)
    assert list(result.genes.columns) == ["niter", "converged", "logLik", "df", "status", "sam", "batch", "residual"]
    assert list(result.theta.columns) == ["sam", "batch", "residual"]
    assert result.genes.index.name == "gene" and result.genes.index[0] == s1_adata.var_names[0]
    assert result.cov.shape == (60, len(result.fixed_names), len(result.fixed_names))
    np.testing.assert_allclose(np.sqrt(np.diagonal(result.cov, axis1=1, axis2=2)), result.se.to_numpy(), rtol=1e-12)
    assert "DEResult: 60 genes" in repr(result)


def test_obs_types_read_as_the_program_reads_them_from_h5ad(s1_adata, tmp_path):
    """Categoricals in their category order (the first the reference), booleans, strings, numbers and
    missing values: the in-memory obs gives what the program gets from the same AnnData written out."""
    from conftest import cli_args, run_cli

    adata = s1_adata.copy()
    obs = adata.obs
    obs["trt"] = obs["trt"].cat.reorder_categories(["B", "A"])
    obs["old"] = obs["age"] > 45
    obs["grp"] = obs["batch"].astype(str).astype(object)
    ages = obs["age"].astype("Int64")
    ages[:25] = pd.NA
    obs["agen"] = ages
    model = dict(fixed="~ log(libsize) + trt + old + grp + agen", random="~ 0 + sam")
    adata.write_h5ad(tmp_path / "typed.h5ad")
    run_cli("de", tmp_path / "typed.h5ad", *cli_args(model), "--device", "cpu", "--quiet", "--out", tmp_path / "out")
    with pytest.warns(flashmm.FlashmmWarning, match="25"):
        result = de(adata, model)
    assert "trtA" in result.fixed_names and "oldTRUE" in result.fixed_names and result.n == 4000 - 25
    assert_matches_cli(result, tmp_path / "out")


def test_repeated_gene_names_are_made_unique_with_a_warning(s1_adata):
    adata = s1_adata.copy()
    names = list(adata.var_names)
    names[1] = names[0]
    adata.var_names = names
    with pytest.warns(flashmm.FlashmmWarning, match="made unique"):
        result = de(adata, MAIN)
    assert result.gene_names[:2] == [names[0], names[0] + "-1"]


def test_default_df_is_satterthwaite_and_residual_is_flashmm(s1_adata, cli_outputs):
    default = de(s1_adata, MAIN)
    assert default.df_method == "satterthwaite"
    sat = de(s1_adata, MODELS["satterthwaite"])
    pd.testing.assert_frame_equal(default.table, sat.table, check_exact=True)
    assert_matches_cli(default, cli_outputs("reml"))
    residual = de(s1_adata, MODELS["residual"])
    assert residual.df_method == "residual"
    assert_matches_cli(residual, cli_outputs("residual"))
    assert np.all(residual.table["df"].to_numpy() == 4000 - 9)
    between = default.table[default.table.test.str.contains(":")]
    assert np.all(between["df"].to_numpy() < 100)


def test_mean_and_nonzero_fraction_from_the_counts(s1_adata):
    result = de(s1_adata, MAIN)
    x = s1_adata.X.toarray() if hasattr(s1_adata.X, "toarray") else np.asarray(s1_adata.X)
    x = x.astype(np.float64)  # s1.h5ad's X is float32: its mean in float32 would be off by 1e-5
    per_gene = result.table.drop_duplicates("gene").set_index("gene")
    np.testing.assert_allclose(per_gene.loc[list(s1_adata.var_names), "mean"], np.log2(1 + x).mean(axis=0),
                               rtol=1e-12)
    np.testing.assert_array_equal(per_gene.loc[list(s1_adata.var_names), "nonzero_fraction"],
                                  (x != 0).sum(axis=0) / x.shape[0])


def test_reported_tests_as_the_program(s1_adata, cli_outputs):
    result = de(s1_adata, MODELS["nuisance"])
    assert result.tests == ["cls1:trtB", "cls2:trtB", "cls3:trtB", "cls4:trtB"]
    assert list(result.coef.columns) == result.fixed_names and len(result.fixed_names) == 9
    assert_matches_cli(result, cli_outputs("nuisance"))
    pattern = de(s1_adata, MAIN, test="cls*:trtB", contrasts={"d": "cls1:trtB - cls2:trtB"})
    assert pattern.tests == ["cls1:trtB", "cls2:trtB", "cls3:trtB", "cls4:trtB", "d"]
    top = pattern.top
    assert top["p"].is_monotonic_increasing and len(top) == len(pattern.table[pattern.table.converged])
    with pytest.raises(flashmm.InputError, match="test='nope' matches no coefficient"):
        de(s1_adata, MAIN, test="nope")
