"""The data a call reads: an in-memory AnnData (X, a layer or raw), a bare matrix with its obs,
or a path to any input the program reads.

In-memory matrices are read in place, one block of cells (``chunk_cells``) at a time, never
copied whole:

- scipy.sparse CSR: each block is a view of the rows (indptr sliced); float32, float64, int32 and
  int64 values are read as stored, other integer and bool types are converted one block at a time;
- scipy.sparse CSC: transposed one block at a time (extra memory: one block in CSR). A CSC
  matrix whose indices are not sorted within columns is first sorted in a copy (scipy's
  ``sorted_indices``), which does hold a second copy of the matrix;
- dense numpy arrays (any dtype, C or Fortran order, or strided views): each block's nonzeros;
- other scipy.sparse formats (COO, ...) are converted to CSR first (a copy).

Extra memory is therefore one block of cells (about 12 bytes per stored value of the block)
plus the summary statistics, apart from the two copies named above.

Metadata come from ``obs``, column by column as the program reads obs from an .h5ad:
categoricals keep their categories in their order (the first is the reference level), booleans
are booleans, strings are strings (levels sorted in byte order, as R), numbers (int, float, and
pandas' nullable Int/boolean with missing values) are numbers.
"""

import os
import warnings

import numpy as np
import pandas as pd
import scipy.sparse

from . import _flashmm
from ._errors import FlashmmWarning, InputError

IN_MEMORY = "<in-memory AnnData>"


def is_path(data):
    return isinstance(data, (str, os.PathLike))


def _is_anndata(data):
    try:
        import anndata
    except ImportError:  # pragma: no cover - anndata is a dependency
        return False
    return isinstance(data, anndata.AnnData)


def obs_columns(obs):
    """The compiled module's column specs of a DataFrame (see python/src/metadata.hpp)."""
    columns = []
    for key in obs.columns:
        name = str(key)
        s = obs[key]
        dt = s.dtype
        if isinstance(dt, pd.CategoricalDtype):
            codes = np.asarray(s.cat.codes, dtype=np.int32)
            cats = s.cat.categories
            if cats.dtype.kind in "iuf":
                columns.append(("categorical_numbers", name, codes, np.asarray(cats, dtype=np.float64)))
            elif cats.dtype.kind == "b":
                columns.append(("categorical", name, codes, ["TRUE" if c else "FALSE" for c in cats]))
            else:
                levels = list(cats)
                bad = [c for c in levels if not isinstance(c, str)]
                if bad:
                    raise InputError(f"obs column '{name}' has categories that are not strings (e.g. {bad[0]!r}); "
                                     "make them strings or numbers")
                columns.append(("categorical", name, codes, levels))
        elif pd.api.types.is_bool_dtype(dt):
            missing = np.asarray(s.isna(), dtype=np.uint8)
            values = np.asarray(s.fillna(False) if missing.any() else s, dtype=np.uint8)
            columns.append(("boolean", name, values, missing if missing.any() else None))
        elif pd.api.types.is_numeric_dtype(dt) and dt.kind != "c":
            columns.append(("numeric", name, s.to_numpy(dtype=np.float64, na_value=np.nan)))
        elif pd.api.types.is_object_dtype(dt) or pd.api.types.is_string_dtype(dt):
            values = []
            for v in s:
                if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                    values.append(None)
                elif isinstance(v, str):
                    values.append(v)
                else:
                    raise InputError(f"obs column '{name}' holds a value that is not a string ({v!r}); "
                                     "make the column strings, numbers or a categorical")
            columns.append(("string", name, values))
        else:
            raise InputError(f"obs column '{name}' has dtype {dt}, which is not supported; store it as a number, "
                             "string or categorical")
    return columns


def obs_metadata(obs):
    """Cell metadata (for the compiled module) from a DataFrame indexed by cell id."""
    return _flashmm.make_metadata([str(i) for i in obs.index], obs_columns(obs))


def matrix_source(X, what):
    """A cells x genes matrix as a source of blocks of cells (see the module's docstring)."""
    if scipy.sparse.issparse(X):
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        n_cells, n_genes = X.shape
        parts = [np.ascontiguousarray(a) for a in (X.indptr, X.indices, X.data)]
        if X.format == "csr":
            return _flashmm.csr_source(*parts, n_cells, n_genes, what)
        if not X.has_sorted_indices:
            X = X.sorted_indices()
            parts = [np.ascontiguousarray(a) for a in (X.indptr, X.indices, X.data)]
        return _flashmm.csc_source(*parts, n_cells, n_genes, what)
    if isinstance(X, np.ndarray):
        return _flashmm.dense_source(np.asarray(X), what)
    kind = type(X).__module__ + "." + type(X).__name__
    raise InputError(f"{what} is a {kind}; give a scipy.sparse matrix or a numpy array (a backed AnnData: its file's "
                     "path)")


def anndata_matrix(adata, layer, use_raw, gene_column):
    """The matrix, its description and its gene names of an AnnData."""
    if layer is not None and use_raw:
        raise InputError("give layer or use_raw, not both")
    if use_raw:
        if adata.raw is None:
            raise InputError("the AnnData has no raw data; drop use_raw")
        X, var, what = adata.raw.X, adata.raw.var, "adata.raw.X"
    elif layer is not None:
        if layer not in adata.layers:
            have = ", ".join(repr(k) for k in adata.layers.keys()) or "none"
            raise InputError(f"the AnnData has no layer '{layer}' (layers: {have})")
        X, var, what = adata.layers[layer], adata.var, f"adata.layers['{layer}']"
    else:
        if adata.X is None:
            raise InputError("adata.X is empty; give layer= or use_raw=True")
        X, var, what = adata.X, adata.var, "adata.X"
    if gene_column is not None:
        if gene_column not in var.columns:
            raise InputError(f"var has no column '{gene_column}'; choose one of its columns or drop gene_column")
        genes = [str(g) for g in var[gene_column]]
    else:
        genes = [str(g) for g in var.index]
    names = pd.Index(genes)
    if not names.is_unique:
        from anndata.utils import make_index_unique

        repeated = names[names.duplicated()].unique()
        warnings.warn(f"{len(repeated)} gene names of {what} repeat (e.g. {repeated[0]!r}); they are made unique as "
                      "anndata's var_names_make_unique does ('-1', '-2', ...)", FlashmmWarning, stacklevel=4)
        genes = list(make_index_unique(names))
    return X, what, genes


def open_data(data, *, layer=None, use_raw=False, metadata=None, categorical=None, gene_column=None, genes=None,
              cells=None, obs=None):
    """(source, gene names, metadata, description, categorical columns still to recode) for a call's data."""
    categorical = list(categorical or [])
    if is_path(data):
        path = os.fspath(data)
        source = _flashmm.file_source(path, layer or "", bool(use_raw), gene_column or "", os.fspath(genes or ""),
                                      os.fspath(cells or ""))
        if isinstance(metadata, pd.DataFrame):
            ids = source.cell_ids
            index = metadata.index.astype(str)
            missing = pd.Index(ids).difference(index)
            if len(missing):
                raise InputError(f"{len(missing)} of {len(ids)} cells of '{path}' have no row in the metadata "
                                 f"DataFrame (e.g. {', '.join(repr(m) for m in missing[:5])}); its index must hold "
                                 "the matrix's cell ids")
            if not index.is_unique:
                raise InputError("the metadata DataFrame's index repeats cell ids; cell ids must be unique")
            frame = metadata.set_axis(index).loc[ids]
            return source, source.gene_names, obs_metadata(frame), path, categorical
        meta = _flashmm.file_metadata(source, os.fspath(metadata) if metadata is not None else "", categorical)
        return source, source.gene_names, meta, path, []
    if metadata is not None:
        raise InputError("metadata= is for a path's cells; an AnnData's metadata is its obs")
    if _is_anndata(data):
        if data.isbacked:
            raise InputError("the AnnData is backed by its file; give the file's path instead (data=adata.filename)")
        X, what, gene_names = anndata_matrix(data, layer, use_raw, gene_column)
        obs = data.obs
    else:
        if obs is None:
            raise InputError("data is a matrix without metadata; give an AnnData, a path, or obs= (a DataFrame, one "
                             "row per cell)")
        X, what, gene_names = data, "the matrix", None
    source = matrix_source(X, what)
    if gene_names is None:
        gene_names = [f"Gene{g + 1}" for g in range(source.n_genes)]
    return source, gene_names, obs_metadata(obs), IN_MEMORY, categorical
