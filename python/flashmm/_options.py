"""Arguments of the calls, checked and put as the compiled module takes them."""

import os

from . import _flashmm
from ._errors import OptionError

_CHOICES = {
    "method": ("reml", "ml"),
    "df": ("residual", "satterthwaite"),
    "transform": ("log2p1", "none"),
    "device": ("auto", "cpu", "gpu"),
}


def choice(name, value):
    """value when it is one of the keyword's choices, else OptionError naming the keyword."""
    allowed = _CHOICES[name]
    if value not in allowed:
        raise OptionError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r} "
                          f"(argument {name}=)", name)
    return value


def df_method(value):
    return choice("df", value)


def whole(name, value, minimum):
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise OptionError(f"{name} must be a whole number >= {minimum}, not {value!r} (argument {name}=)", name)
    return int(value)


def formulas(random):
    """The random-effects formulas: one string, or a list of them."""
    if isinstance(random, str):
        return [random]
    out = list(random)
    if not all(isinstance(r, str) for r in out):
        raise OptionError("random must be a formula or a list of formulas (argument random=)", "random")
    return out


def contrast_specs(contrasts):
    """Contrasts as "[NAME=]EXPR" strings: None, one string, a list of them, or a dict {name: expr}."""
    if contrasts is None:
        return []
    if isinstance(contrasts, str):
        return [contrasts]
    if isinstance(contrasts, dict):
        return [f"{k}={v}" for k, v in contrasts.items()]
    return [str(c) for c in contrasts]


def names(name, value):
    """A list keyword given as None, one string or a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = list(value)
    if not all(isinstance(v, str) for v in out):
        raise OptionError(f"{name} must be a name or a list of names (argument {name}=)", name)
    return out


def fit_options(*, contrasts, method, df, robust, nonnegative, max_iter, epsilon, theta0, test=None, nuisance=None):
    o = _flashmm.FitOptions()
    o.contrasts = contrast_specs(contrasts)
    o.test = names("test", test)
    o.nuisance = names("nuisance", nuisance)
    o.method = choice("method", method)
    o.df = choice("df", df)
    o.robust = bool(robust)
    o.nonnegative = bool(nonnegative)
    o.max_iter = whole("max_iter", max_iter, 1)
    if not epsilon > 0:
        raise OptionError(f"epsilon must be > 0, not {epsilon!r} (argument epsilon=)", "epsilon")
    o.epsilon = float(epsilon)
    o.theta0 = [float(x) for x in (theta0 or [])]
    return o


def run_options(*, threads, device):
    o = _flashmm.RunOptions()
    o.threads = whole("threads", threads, 0)
    o.device = choice("device", device)
    return o


def cell_range(value, what="cell_range"):
    """(begin, end) 0-based half-open for a 1-based inclusive (start, end) or "START:END" (either side may be
    empty or None); None: every cell."""
    if value is None:
        return 0, -1
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) != 2:
            raise OptionError(f"{what} '{value}': expected START:END, e.g. 1:500000 (argument {what}=)", what)
        value = tuple(int(p) if p.strip() else None for p in parts)
    start, end = value
    begin = 0 if start is None else whole(what, start, 1) - 1
    stop = -1 if end is None else whole(what, end, 1)
    if stop >= 0 and stop <= begin:
        raise OptionError(f"{what}: END must be >= START (argument {what}=)", what)
    return begin, stop


def matrix_of(layer=None, use_raw=False):
    """The matrix read, as the statistics and fit.h5 record it (the program's --layer / --use-raw)."""
    return "raw/X" if use_raw else f"layers/{layer}" if layer else "X"


def stream_request(*, fixed, random, transform, chunk_cells, threads, device, categorical=(), contrasts=None,
                   cells=None, matrix="X"):
    r = _flashmm.StreamRequest()
    if not isinstance(fixed, str):
        raise OptionError("fixed must be a formula, e.g. '~ 0 + log(libsize) + cls + cls:trt' (argument fixed=)",
                          "fixed")
    r.fixed = fixed
    r.random = formulas(random)
    r.transform = choice("transform", transform)
    r.chunk_cells = whole("chunk_cells", chunk_cells, 1)
    r.threads = whole("threads", threads, 0)
    r.device = choice("device", device)
    r.categorical = list(categorical)
    r.contrasts = contrast_specs(contrasts)
    r.begin, r.end = cell_range(cells)
    r.matrix = matrix
    return r


def fspath_or_empty(p):
    return "" if p is None else os.fspath(p)
