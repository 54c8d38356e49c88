"""Fixtures of the Python tests: the program of the same build (FLASHMM_CLI), the reference data
(FLASHMM_TEST_DATA: tests/data), and readers of the program's files."""

import os
import shlex
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("FLASHMM_TEST_DATA", ROOT / "tests" / "data"))
CLI = os.environ.get("FLASHMM_CLI", str(ROOT / "build" / "flashmm"))

# The fixture models of the program's own tests (tests/cli/cli_de_test.cpp and the FLASHMM fixtures).
MAIN = dict(fixed="~ 0 + log(libsize) + cls + cls:trt", random="~ 0 + sam", max_iter=100, epsilon=1e-8)
MODELS = {
    "reml": MAIN,
    "ml": dict(MAIN, method="ml"),
    "intercept": dict(MAIN, fixed="~ log(libsize) + age + cls + cls:trt"),
    "two_components": dict(MAIN, random=["~ 0 + sam", "~ 0 + batch"]),
    "satterthwaite": dict(MAIN, df="satterthwaite"),
    # FLASHMM's tables: residual df (the default is Satterthwaite's, as lmerTest)
    "residual": dict(MAIN, df="residual"),
    "nuisance": dict(MAIN, nuisance=["libsize", "cls"]),
}

TABLES = ["coef.tsv", "se.tsv", "t.tsv", "p.tsv", "theta.tsv", "se_theta.tsv", "dlogL.tsv"]


def cli_args(model):
    """The program's flags for a model given as flashmm.de's keyword arguments."""
    args = ["--fixed", model["fixed"]]
    random = model["random"]
    for r in [random] if isinstance(random, str) else random:
        args += ["--random", r]
    flags = {"method": "--method", "max_iter": "--max-iter", "epsilon": "--epsilon", "df": "--df",
             "transform": "--transform", "chunk_cells": "--chunk-cells"}
    for key, flag in flags.items():
        if key in model:
            args += [flag, repr(model[key]) if isinstance(model[key], float) else str(model[key])]
    for c in model.get("contrasts", []):
        args += ["--contrast", c]
    for key in ("test", "nuisance"):
        for v in model.get(key, []):
            args += ["--" + key, v]
    for key in ("robust", "nonnegative"):
        if model.get(key):
            args.append("--" + key)
    return args


def run_cli(*args, check=True):
    r = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"{shlex.join([CLI, *map(str, args)])} failed ({r.returncode}): {r.stderr}")
    return r


def h5_datasets(f):
    """The paths of an open HDF5 file's datasets, in its order."""
    import h5py

    names = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def read_tsv(path, index=True):
    return pd.read_csv(path, sep="\t", float_precision="round_trip", keep_default_na=False, na_values=["NA"],
                       index_col=0 if index else None)


def assert_same_frame(ours, theirs, what):
    """Equal to the last bit (NaN where NaN), same labels."""
    assert list(ours.columns) == list(theirs.columns), what
    assert [str(i) for i in ours.index] == [str(i) for i in theirs.index], what
    for col in ours.columns:
        a, b = ours[col].to_numpy(), theirs[col].to_numpy()
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            a, b = a.astype(np.float64), b.astype(np.float64)
            assert np.array_equal(a, b, equal_nan=True), f"{what}: column {col} differs: max |diff| " \
                f"{np.nanmax(np.abs(a - b)) if a.size else 0}"
        else:
            assert list(map(str, a)) == list(map(str, b)), f"{what}: column {col} differs"


def assert_matches_cli(result, out_dir):
    """Every table of a DEResult equals the program's file of the same name, to the last bit."""
    out_dir = Path(out_dir)
    for name in TABLES:
        assert_same_frame(getattr(result, name[:-4]), read_tsv(out_dir / name), name)
    genes = read_tsv(out_dir / "genes.tsv")
    ours = result.genes[["niter", "converged", "logLik", "df", "status"]]
    theirs = genes.assign(converged=genes["converged"].astype(str).str.lower() == "true")
    assert_same_frame(ours.assign(converged=ours["converged"].astype(bool)), theirs, "genes.tsv")
    de = read_tsv(out_dir / "de.tsv", index=False)
    de["converged"] = de["converged"].astype(str).str.lower() == "true"
    assert_same_frame(result.table, de, "de.tsv")
    top = read_tsv(out_dir / "top.tsv", index=False)
    top["converged"] = top["converged"].astype(str).str.lower() == "true"
    assert_same_frame(result.top, top, "top.tsv")


@pytest.fixture(scope="session")
def data_dir():
    return DATA


@pytest.fixture(scope="session")
def s1_adata():
    import anndata

    return anndata.read_h5ad(DATA / "s1.h5ad")


@pytest.fixture(scope="session")
def cli_outputs(tmp_path_factory):
    """The program's `de` on s1.h5ad for each fixture model (computed once): the output folder."""
    cache = {}

    def get(name, model=None):
        if name not in cache:
            out = tmp_path_factory.mktemp("cli_" + name)
            run_cli("de", DATA / "s1.h5ad", *cli_args(model or MODELS[name]), "--device", "cpu", "--quiet",
                    "--out", out / "out")
            cache[name] = out / "out"
        return cache[name]

    return get
