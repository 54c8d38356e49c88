"""The result of a fit: pandas tables shaped as the program's files, more tests, and its files."""

import os

import numpy as np
import pandas as pd

from ._errors import InputError, missing_files
from ._options import contrast_specs, df_method

TABLE_COLUMNS = ["gene", "test", "coef", "se", "t", "df", "p", "fdr", "mean", "nonzero_fraction", "converged"]


def _long_table(d):
    """A DE table (dict of the compiled module) as de.tsv's rows: for every gene, every test."""
    genes = np.asarray(d["genes"], dtype=object)
    tests = d["tests"]
    m, n = len(tests), len(genes)
    names = np.asarray([t[0] for t in tests], dtype=object)
    columns = {"gene": np.repeat(genes, m), "test": np.tile(names, n)}
    for k, col in enumerate(TABLE_COLUMNS[2:8], start=1):
        columns[col] = np.stack([t[k] for t in tests], axis=1).ravel() if m else np.empty(0)
    for col in ("mean", "nonzero_fraction"):
        columns[col] = np.repeat(np.asarray(d[col], dtype=np.float64), m)
    columns["converged"] = np.repeat(np.asarray(d["converged"], dtype=bool), m)
    return pd.DataFrame(columns, columns=TABLE_COLUMNS)


class DEResult:
    """The fit of every gene, with its tests.

    Tables (pandas, one row per gene unless said, indexed by gene as the program's files):

    - ``table``: de.tsv, one row per gene and reported test (the coefficients ``test`` or
      ``nuisance`` select, then the contrasts): gene, test, coef (a difference on the log2(1 +
      count) scale: the log2 fold change of 1 + count), se, t, df, p, fdr (Benjamini-Hochberg
      within each test, over converged genes), mean (of log2(1 + count) over the model's cells,
      limma's AveExpr), nonzero_fraction (of the model's cells), converged;
    - ``top``: top.tsv, the rows of ``table`` of converged genes sorted by p (limma's topTable);
    - ``genes``: genes.tsv (niter, converged, logLik, df, status) and the variance components
      (one column per component, then ``residual``);
    - ``coef``, ``se``, ``t``, ``p``, ``df``: one column per fixed-effect coefficient;
    - ``theta``, ``se_theta``, ``dlogL``: one column per variance component, then residual.

    ``test(contrasts)`` tests more contrasts on the fit, ``to_dir(out)`` writes the program's
    files, ``to_adata(adata)`` puts the tests in ``adata.uns`` as scanpy's rank_genes_groups does.
    """

    def __init__(self, fit):
        self._fit = fit
        self._table = None

    # -- description --------------------------------------------------------------------------
    @property
    def method(self):
        """'reml' or 'ml'."""
        return self._fit.method

    @property
    def df_method(self):
        """How the tests' degrees of freedom were computed: 'residual' or 'satterthwaite'."""
        return self._fit.df_method

    @property
    def n(self):
        """Number of cells fitted."""
        return self._fit.n

    @property
    def fixed_names(self):
        return list(self._fit.fixed_names)

    @property
    def component_names(self):
        return list(self._fit.component_names)

    @property
    def gene_names(self):
        return list(self._fit.gene_names)

    @property
    def contrasts(self):
        """The contrasts tested besides the coefficients."""
        return list(self._fit.contrasts)

    @property
    def tests(self):
        """The names of the tests in ``table``, in order."""
        return list(dict.fromkeys(self.table["test"]))

    def __repr__(self):
        g = len(self._fit.gene_names)
        conv = int(self.genes["converged"].sum())
        return (f"DEResult: {g} genes ({conv} converged), {self.n} cells, {self.method.upper()}, df {self.df_method}; "
                f"tests: {', '.join(self.tests)}")

    # -- tables -------------------------------------------------------------------------------
    def _index(self):
        return pd.Index(self._fit.gene_names, name="gene")

    def _per_gene(self, values, columns):
        return pd.DataFrame(values, index=self._index(), columns=pd.Index(columns))

    def _theta_names(self):
        return self.component_names + ["residual"]

    @property
    def table(self):
        if self._table is None:
            self._table = _long_table(self._fit.table())
        return self._table

    @property
    def top(self):
        """top.tsv: the rows of ``table`` of the converged genes sorted by p (ties in table's order)."""
        t = self.table[self.table["converged"]]
        return t.sort_values("p", kind="stable", na_position="last").reset_index(drop=True)

    @property
    def coef(self):
        return self._per_gene(self._fit.coef, self.fixed_names)

    @property
    def se(self):
        return self._per_gene(self._fit.se, self.fixed_names)

    @property
    def t(self):
        return self._per_gene(self._fit.t, self.fixed_names)

    @property
    def p(self):
        return self._per_gene(self._fit.p, self.fixed_names)

    @property
    def df(self):
        return self._per_gene(self._fit.df, self.fixed_names)

    @property
    def theta(self):
        return self._per_gene(self._fit.theta, self._theta_names())

    @property
    def se_theta(self):
        return self._per_gene(self._fit.se_theta, self._theta_names())

    @property
    def dlogL(self):
        return self._per_gene(self._fit.dlogL, self._theta_names())

    @property
    def cov(self):
        """Covariance of the coefficients: an array genes x p x p."""
        p = len(self._fit.fixed_names)
        return self._fit.cov.reshape(-1, p, p).transpose(0, 2, 1)

    @property
    def blup(self):
        """BLUP of the random effects: one column per column of Z."""
        return self._per_gene(self._fit.blup, list(self._fit.random_names))

    @property
    def genes(self):
        status = self._fit.status
        converged = np.isin(np.asarray(status, dtype=object), ["converged", "converged_nonnegative"])
        df = self._fit.df
        frame = pd.DataFrame({"niter": np.asarray(self._fit.niter, dtype=np.int64), "converged": converged,
                              "logLik": self._fit.logLik,
                              "df": df[:, 0] if df.shape[1] else np.full(len(status), np.nan),
                              "status": pd.Series(status, dtype=object).to_numpy()}, index=self._index())
        return pd.concat([frame, self.theta], axis=1)

    # -- more tests, files, scanpy --------------------------------------------------------------
    def test(self, contrasts, *, df=None, alternative="two.sided", threads=0):
        """Tests contrasts on the fit (as ``flashmm test``), with the fit's own df method unless df=
        says otherwise ('residual' or 'satterthwaite'). contrasts: "[NAME=]EXPR", a list of them, or a
        dict {name: expr}. Returns a table shaped as ``table`` with one row per gene and contrast."""
        specs = contrast_specs(contrasts)
        if not specs:
            raise InputError("test needs at least one contrast")
        method = "" if df is None else df_method(df)
        return _long_table(self._fit.test(specs, method, alternative, int(threads)))

    def to_dir(self, out, *, force=False):
        """Writes the program's files into the directory out (coef.tsv, se.tsv, t.tsv, p.tsv, theta.tsv,
        se_theta.tsv, dlogL.tsv, genes.tsv, de.tsv and fit.h5), with the program's own writers: the
        same bytes as ``flashmm de`` on the same data (fit.h5 records the input as given). Results
        already in out are kept unless force=True."""
        with missing_files(os.path.dirname(os.fspath(out)) or "."):
            self._fit.write_dir(os.fspath(out), bool(force))

    def to_adata(self, adata, key="flashmm", *, tests=None):
        """Puts the tests into ``adata.uns[key]`` as scanpy's ``rank_genes_groups`` lays its results
        out, one "group" per test: structured arrays ``names``, ``scores`` (t), ``logfoldchanges``
        (coef: the effect on log2(1 + x) under the default transform), ``pvals``, ``pvals_adj``
        (fdr), plus ``se`` and ``df``, each test's genes sorted by t, largest first (genes that did
        not converge last), and ``params``. So ``scanpy.get.rank_genes_groups_df(adata, group=TEST,
        key=key)`` and scanpy's rank_genes_groups plots read it. tests: the tests to store (default
        all). Returns adata."""
        tests = self.tests if tests is None else list(tests)
        unknown = [t for t in tests if t not in self.tests]
        if unknown:
            raise InputError(f"no test named {unknown[0]!r}; the tests are {', '.join(self.tests)}")
        table = self.table
        fields = {"names": "gene", "scores": "t", "logfoldchanges": "coef", "pvals": "p", "pvals_adj": "fdr",
                  "se": "se", "df": "df"}
        per_test = {}
        for name in tests:
            rows = table[table["test"] == name]
            t = rows["t"].to_numpy()
            order = np.argsort(np.where(np.isnan(t), -np.inf, -t), kind="stable")
            per_test[name] = rows.iloc[order]
        out = {"params": {"groupby": key, "reference": "rest", "method": "flashmm", "use_raw": False,
                          "corr_method": "benjamini-hochberg", "fixed": self._fit.model.get("fixed", ""),
                          "random": self._fit.model.get("random", ""), "df_method": self.df_method,
                          "lmm_method": self.method}}
        for field, column in fields.items():
            if field == "names":
                width = max([len(g) for g in self._fit.gene_names] + [1])
                dtype = [(t, f"U{width}") for t in tests]
            else:
                dtype = [(t, np.float64) for t in tests]
            rec = np.empty(len(self._fit.gene_names), dtype=dtype)
            for t in tests:
                rec[t] = per_test[t][column].to_numpy()
            out[field] = rec
        adata.uns[key] = out
        return adata
