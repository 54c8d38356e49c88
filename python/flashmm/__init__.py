"""flashmm: single-cell differential expression with linear mixed models (the FLASHMM method).

    import flashmm
    result = flashmm.de(adata, fixed="~ 0 + log(libsize) + cls + cls:trt", random="~ 0 + sam",
                        contrasts={"BvsA": "(cls1:trtB + cls2:trtB) / 2"})
    result.table                        # one row per gene and test, as de.tsv
    result.to_adata(adata, key="flashmm")  # adata.uns["flashmm"], laid out as rank_genes_groups
    flashmm.pl.volcano(result, test="BvsA")

See flashmm.de, sumstats, merge, fit, read_fit, simulate and flashmm.pl.
"""

from . import _flashmm
from ._api import SummaryStats, de, fit, merge, read_fit, sumstats
from ._errors import (DeviceError, Error, FlashmmWarning, InputError, IoError, MissingFileError, NumericalError,
                      OptionError, ParseError)
from ._result import DEResult
from ._simulate import simulate
from . import pl

__version__ = _flashmm.__version__

__all__ = ["de", "sumstats", "merge", "fit", "read_fit", "simulate", "pl", "DEResult", "SummaryStats", "Error",
           "InputError", "ParseError", "OptionError", "IoError", "MissingFileError", "DeviceError",
           "NumericalError", "FlashmmWarning"]
