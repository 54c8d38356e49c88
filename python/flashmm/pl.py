"""Plots of a DEResult, scanpy style: each takes ax= (draw into these Axes; default a new figure)
and show= (call matplotlib.pyplot.show(); default: when no ax was given), and returns the Axes.

    flashmm.pl.volcano(result, test="BvsA")   # effect against -log10 p, FDR-significant genes marked
    flashmm.pl.qq(result)                     # observed against expected -log10 p, one line per test
    flashmm.pl.pvalue_hist(result, test="BvsA")

Only genes that converged are drawn (the others have no valid test).
"""

import numpy as np

__all__ = ["volcano", "qq", "pvalue_hist"]


def _axes(ax, figsize=(4.5, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _finish(ax, show, had_ax):
    import matplotlib.pyplot as plt

    if show or (show is None and not had_ax):
        plt.show()
    return ax


def _rows(result, test):
    table = result.table
    tests = result.tests
    if test is None:
        raise ValueError(f"give test=, one of {', '.join(tests)}")
    if test not in tests:
        raise ValueError(f"no test named {test!r}; the tests are {', '.join(tests)}")
    rows = table[(table["test"] == test) & table["converged"]]
    return rows[np.isfinite(rows["p"].to_numpy())]


def _neglog10(p):
    return -np.log10(np.maximum(p, np.finfo(float).tiny))


def volcano(result, test=None, *, fdr=0.05, label=10, ax=None, show=None, s=8, color="lightgray",
            highlight="firebrick"):
    """The estimate (coef; a log2 fold change under the default transform) of each gene against
    -log10(p) for one test; genes with FDR < fdr in ``highlight`` and the ``label`` most significant
    of them named."""
    had_ax = ax is not None
    rows = _rows(result, test)
    ax = _axes(ax)
    y = _neglog10(rows["p"].to_numpy())
    x = rows["coef"].to_numpy()
    hit = rows["fdr"].to_numpy() < fdr
    ax.scatter(x[~hit], y[~hit], s=s, c=color, linewidths=0, label=f"FDR >= {fdr:g}", rasterized=len(x) > 5000)
    ax.scatter(x[hit], y[hit], s=s, c=highlight, linewidths=0, label=f"FDR < {fdr:g}")
    if label:
        genes = rows["gene"].to_numpy()
        for i in np.flatnonzero(hit)[np.argsort(-y[hit], kind="stable")][:label]:
            ax.annotate(str(genes[i]), (x[i], y[i]), fontsize=7, xytext=(2, 2), textcoords="offset points")
    ax.axvline(0, color="black", linewidth=0.5)
    ax.set_xlabel("coef (" + test + ")")
    ax.set_ylabel(r"$-\log_{10}$ p")
    ax.set_title(test)
    ax.legend(frameon=False, fontsize=8, loc="best")
    return _finish(ax, show, had_ax)


def qq(result, test=None, *, ax=None, show=None, s=8):
    """Observed against expected -log10(p) under the uniform null (points on the diagonal: no signal),
    for one test or, with test=None, one series per test."""
    had_ax = ax is not None
    ax = _axes(ax)
    tests = result.tests if test is None else [test]
    top = 0.0
    for name in tests:
        p = np.sort(_rows(result, name)["p"].to_numpy())
        if len(p) == 0:
            continue
        expected = _neglog10((np.arange(1, len(p) + 1) - 0.5) / len(p))
        observed = _neglog10(p)
        ax.scatter(expected, observed, s=s, linewidths=0, label=name)
        top = max(top, expected.max(), observed.max())
    ax.plot([0, top], [0, top], color="black", linewidth=0.7, linestyle="--")
    ax.set_xlabel(r"expected $-\log_{10}$ p")
    ax.set_ylabel(r"observed $-\log_{10}$ p")
    ax.set_title("QQ plot" if test is None else test)
    if len(tests) > 1:
        ax.legend(frameon=False, fontsize=7, loc="upper left", markerscale=1.5)
    return _finish(ax, show, had_ax)


def pvalue_hist(result, test=None, *, bins=20, ax=None, show=None):
    """Histogram of the p-values of one test (or, with test=None, of every test stacked): flat under
    the null, a peak near 0 for DE genes."""
    had_ax = ax is not None
    ax = _axes(ax)
    tests = result.tests if test is None else [test]
    values = [_rows(result, name)["p"].to_numpy() for name in tests]
    ax.hist(values, bins=np.linspace(0, 1, bins + 1), stacked=True, label=tests)
    ax.set_xlabel("p")
    ax.set_ylabel("genes")
    ax.set_title("p-values" if test is None else test)
    if len(tests) > 1:
        ax.legend(frameon=False, fontsize=7)
    return _finish(ax, show, had_ax)
