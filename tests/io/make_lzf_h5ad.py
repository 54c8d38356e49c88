#!/usr/bin/python3
# Run: /usr/bin/python3 tests/io/make_lzf_h5ad.py tests/data/lzf.h5ad (needs python3-h5py).
# Writes tests/data/lzf.h5ad: a 3-cell x 2-gene AnnData file whose X/data is compressed with
# h5py's LZF filter (compression='lzf'), which HDF5 itself does not provide.
import h5py, numpy as np, sys
path = sys.argv[1]
with h5py.File(path, "w") as f:
    f.attrs["encoding-type"] = "anndata"; f.attrs["encoding-version"] = "0.1.0"
    x = f.create_group("X")
    x.attrs["encoding-type"] = "csr_matrix"; x.attrs["encoding-version"] = "0.1.0"
    x.attrs["shape"] = np.array([3, 2], dtype=np.int64)
    x.create_dataset("data", data=np.array([1, 2, 3], dtype=np.float32), compression="lzf", chunks=(3,))
    x.create_dataset("indices", data=np.array([0, 1, 0], dtype=np.int32))
    x.create_dataset("indptr", data=np.array([0, 1, 2, 3], dtype=np.int64))
    str_t = h5py.string_dtype()
    for name, index in (("obs", ["c1", "c2", "c3"]), ("var", ["g1", "g2"])):
        g = f.create_group(name)
        g.attrs["encoding-type"] = "dataframe"; g.attrs["encoding-version"] = "0.2.0"
        g.attrs["_index"] = "_index"; g.attrs["column-order"] = np.array([], dtype=np.float64)
        d = g.create_dataset("_index", data=np.array(index, dtype=object), dtype=str_t)
        d.attrs["encoding-type"] = "string-array"; d.attrs["encoding-version"] = "0.2.0"
