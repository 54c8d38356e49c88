"""The plots draw what they say without a display (Agg)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import flashmm  # noqa: E402
from conftest import MAIN  # noqa: E402


@pytest.fixture(scope="module")
def result(s1_adata):
    return flashmm.de(s1_adata, **MAIN, contrasts={"BvsA": "(cls1:trtB+cls2:trtB)/2"}, progress=False)


def points(ax):
    return sum(len(c.get_offsets()) for c in ax.collections)


def test_volcano(result):
    ax = flashmm.pl.volcano(result, test="BvsA", show=False)
    assert isinstance(ax, matplotlib.axes.Axes)
    rows = result.table[(result.table.test == "BvsA") & result.table.converged]
    assert points(ax) == len(rows)
    hits = ax.collections[1].get_offsets()
    assert len(hits) == int((rows.fdr < 0.05).sum())
    np.testing.assert_allclose(sorted(hits[:, 0]), sorted(rows.coef[rows.fdr < 0.05]))
    assert ax.get_xlabel() == "coef (BvsA)" and "log" in ax.get_ylabel()
    assert len(ax.texts) == min(10, len(hits))
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="the tests are"):
        flashmm.pl.volcano(result, test="nope", show=False)


def test_qq_into_given_axes(result):
    fig, axes = plt.subplots(1, 2)
    ax = flashmm.pl.qq(result, test="BvsA", ax=axes[0], show=None)
    assert ax is axes[0]
    assert points(ax) == int(result.table[(result.table.test == "BvsA") & result.table.converged].shape[0])
    assert len(ax.lines) == 1  # the diagonal
    assert "expected" in ax.get_xlabel() and "observed" in ax.get_ylabel()
    every = flashmm.pl.qq(result, ax=axes[1])
    assert len(every.collections) == len(result.tests)
    plt.close(fig)


def test_pvalue_hist(result):
    ax = flashmm.pl.pvalue_hist(result, test="BvsA", bins=10, show=False)
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 10 and sum(heights) == len(result.table[(result.table.test == "BvsA")
                                                                   & result.table.converged])
    assert ax.get_xlabel() == "p" and ax.get_ylabel() == "genes"
    plt.close(ax.figure)
