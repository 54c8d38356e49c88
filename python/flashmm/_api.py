"""flashmm.de, sumstats, merge, fit and read_fit: the program's subcommands as functions."""

import os

from . import _flashmm
from ._data import IN_MEMORY, is_path, open_data
from ._errors import InputError, missing_files
from ._messages import session
from ._options import fit_options, formulas, matrix_of, run_options, stream_request
from ._result import DEResult

DEFAULT_CHUNK_CELLS = 20000


def de(data, fixed, random, *, contrasts=None, test=None, nuisance=None, layer=None, use_raw=False, method="reml",
       df="satterthwaite",
       robust=False, nonnegative=False, transform="log2p1", max_iter=50, epsilon=1e-5, device="auto", threads=0,
       chunk_cells=DEFAULT_CHUNK_CELLS, progress=True, theta0=None, metadata=None, categorical=None,
       gene_column=None, genes=None, cells=None):
    """Differential expression: fits the LMM to every gene and tests its coefficients and contrasts,
    as ``flashmm de``.

    data: an AnnData in memory (its X, or ``layer``, or ``raw`` with use_raw=True; metadata from
    ``obs``), or the path of any input the program reads (.h5ad, 10x directory or .h5, .mtx with
    ``genes`` and ``cells``, dense .csv/.tsv), streamed from the file in blocks of ``chunk_cells``
    cells. For a path, ``metadata`` is a metadata file (.csv/.tsv, first column the cell ids) or a
    DataFrame indexed by cell id; the default is the .h5ad's obs.

    fixed: the fixed-effects formula (R syntax), e.g. ``"~ 0 + log(libsize) + cls + cls:trt"``;
    random: a random-effects formula or a list of them, one per variance component (``"~ 0 + sam"``).
    ``libsize`` and ``nfeatures`` are computed from the counts when obs lacks them.
    contrasts: "[NAME=]EXPR" over the coefficients' names, a list of them, or a dict {NAME: EXPR}.
    test, nuisance: which tests ``table`` reports, as the program's --test and --nuisance: with
    test (names or patterns, ``"cls*:trtB"``) the coefficients that match plus every contrast;
    else the contrasts when given; else every coefficient whose term involves a variable not in
    nuisance (``nuisance=["libsize", "cls"]``). Every coefficient stays in ``coef``/``se``/``p``.
    categorical: metadata columns to treat as categorical.

    method 'reml' or 'ml'; df 'satterthwaite' (lmerTest's, the default) or 'residual' (n - p:
    FLASHMM's tables exactly);
    robust: a safeguarded optimizer where FLASHMM's Fisher scoring fails; nonnegative: variance
    components >= 0 (lme4's boundary); transform 'log2p1' (log2(1 + x) of counts) or 'none';
    device 'auto' (the GPU when usable), 'cpu' or 'gpu'; threads 0 = all cores; progress: True (a
    live line on a terminal and timings in the log "flashmm"), False, or a callable
    progress(stage, done, total).

    Returns a DEResult. Ctrl-C stops the call (KeyboardInterrupt). Warnings of the library
    (non-converged genes, dropped cells or levels) are FlashmmWarning warnings; notes go to the
    log. Errors: flashmm.InputError/ParseError/OptionError (ValueError), IoError (OSError),
    MissingFileError (FileNotFoundError), DeviceError (RuntimeError).
    """
    with missing_files(data, metadata, genes, cells):
        source, gene_names, meta, what, recode = open_data(data, layer=layer, use_raw=use_raw, metadata=metadata,
                                                           categorical=categorical, gene_column=gene_column,
                                                           genes=genes, cells=cells)
        request = stream_request(fixed=fixed, random=random, transform=transform, chunk_cells=chunk_cells,
                                 threads=threads, device=device, categorical=recode, contrasts=contrasts,
                                 matrix=matrix_of(layer, use_raw))
        fo = fit_options(contrasts=contrasts, method=method, df=df, robust=robust, nonnegative=nonnegative,
                         max_iter=max_iter, epsilon=epsilon, theta0=theta0, test=test, nuisance=nuisance)
        model = _flashmm.model_provenance(what, fixed, formulas(random), transform, matrix_of(layer, use_raw))
        with session(progress) as s:
            fit = _flashmm.de(source, gene_names, meta, request, fo, run_options(threads=threads, device=device),
                              model, s)
    return DEResult(fit)


class SummaryStats:
    """Summary statistics of a model (n, X'X, X'Y, Z'X, Z'Y, Z'Z, |y|^2 per gene) with their names and how
    they were made; additive over disjoint shards of cells (``flashmm.merge``). Arrays: XX p x p,
    XY p x genes, ZX q x p, ZY q x genes, ZZ q x q, Ynorm genes."""

    def __init__(self, stats, label=None):
        self._stats = stats
        self._label = label

    def __getattr__(self, name):
        if name in ("n", "XX", "XY", "ZX", "ZY", "ZZ", "Ynorm", "d", "fixed_names", "random_names",
                    "component_names", "gene_names", "transform", "fixed", "random", "matrix"):
            return getattr(self._stats, name)
        raise AttributeError(name)

    def __repr__(self):
        s = self._stats
        return (f"SummaryStats: {s.n} cells, {len(s.gene_names)} genes, p = {len(s.fixed_names)}, "
                f"q = {len(s.random_names)}; fixed '{s.fixed}', random {list(s.random)}, transform {s.transform}")

    def write(self, out, *, force=False):
        """Writes the statistics as ``flashmm sumstats -o`` does (an .h5 that merge and fit read)."""
        with missing_files(os.path.dirname(os.fspath(out)) or "."):
            self._stats.write(os.fspath(out), bool(force))


def sumstats(data, fixed, random, *, out=None, force=False, cell_range=None, layer=None, use_raw=False,
             transform="log2p1", chunk_cells=DEFAULT_CHUNK_CELLS, threads=0, device="auto", progress=True,
             metadata=None, categorical=None, gene_column=None, genes=None, cells=None):
    """The summary statistics of a model, as ``flashmm sumstats``: data, fixed, random and the reading
    options as for de. cell_range: only cells (START, END) of the data (1-based, inclusive, either
    may be None; or "START:END"), for shards merged later. out: also write them to this file.
    Returns a SummaryStats."""
    with missing_files(data, metadata, genes, cells):
        if out is not None:
            out = os.fspath(out)
            _flashmm.check_output_file(out, bool(force))
        source, gene_names, meta, _, recode = open_data(data, layer=layer, use_raw=use_raw, metadata=metadata,
                                                        categorical=categorical, gene_column=gene_column,
                                                        genes=genes, cells=cells)
        request = stream_request(fixed=fixed, random=random, transform=transform, chunk_cells=chunk_cells,
                                 threads=threads, device=device, categorical=recode, cells=cell_range,
                                 matrix=matrix_of(layer, use_raw))
        with session(progress) as s:
            stats = SummaryStats(_flashmm.stream_stats(source, gene_names, meta, request, s))
        if out is not None:
            stats.write(out, force=force)
    return stats


def _stats_of(item):
    if isinstance(item, SummaryStats):
        return item, None
    if is_path(item):
        path = os.fspath(item)
        with missing_files(path):
            return SummaryStats(_flashmm.read_stats(path), path), path
    raise InputError(f"expected summary statistics (a SummaryStats or a file's path), not {type(item).__name__}")


def merge(*stats, out=None, force=False):
    """Adds up the summary statistics of disjoint shards of cells (the same model and genes), as
    ``flashmm merge``: each a SummaryStats or the path of a file of sumstats. out: also write the
    result. Returns a SummaryStats."""
    if len(stats) == 1 and isinstance(stats[0], (list, tuple)):
        stats = tuple(stats[0])
    if not stats:
        raise InputError("merge needs at least one set of summary statistics")
    parts, labels = [], []
    for i, item in enumerate(stats):
        s, path = _stats_of(item)
        parts.append(s._stats)
        labels.append(f"'{path}'" if path else f"statistics {i + 1}")
    if out is not None:
        out = os.fspath(out)
        for item in stats:
            if is_path(item) and os.path.exists(out) and os.path.samefile(os.fspath(item), out):
                raise InputError(f"out= '{out}' is one of the inputs; write the merged statistics to a new file")
    merged = SummaryStats(_flashmm.merge_stats(parts, labels))
    if out is not None:
        merged.write(out, force=force)
    return merged


def fit(stats, *, contrasts=None, test=None, nuisance=None, method="reml", df="satterthwaite", robust=False,
        nonnegative=False, max_iter=50, epsilon=1e-5, theta0=None, device="auto", threads=0, progress=True):
    """Fits and tests from summary statistics alone, as ``flashmm fit``: stats is a SummaryStats or the
    path of a file of sumstats/merge; the other arguments as for de. Returns a DEResult."""
    s, path = _stats_of(stats)
    fo = fit_options(contrasts=contrasts, method=method, df=df, robust=robust, nonnegative=nonnegative,
                     max_iter=max_iter, epsilon=epsilon, theta0=theta0, test=test, nuisance=nuisance)
    model = _flashmm.model_provenance(path or "<summary statistics in memory>", s.fixed, list(s.random), s.transform,
                                      s.matrix)
    with session(progress) as sess:
        result = _flashmm.fit_stats(s._stats, fo, run_options(threads=threads, device=device), model, sess)
    return DEResult(result)


def read_fit(path):
    """A fit saved by ``flashmm de``/``fit`` or DEResult.to_dir (DIR/fit.h5), for more tests
    (``DEResult.test``) without refitting."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "fit.h5")
    with missing_files(path):
        return DEResult(_flashmm.read_fit(path))


__all__ = ["de", "sumstats", "merge", "fit", "read_fit", "SummaryStats", "IN_MEMORY"]
