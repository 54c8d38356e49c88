"""The exceptions flashmm raises, and the library's messages in Python's words.

Every error of the library becomes one of these, with the program's message (options and flags
named as Python keywords)::

    flashmm.InputError(ValueError)      bad data or arguments: unknown column, dimensions, ...
    flashmm.ParseError(ValueError)      a formula or contrast that does not parse (a caret marks where)
    flashmm.OptionError(InputError)     an argument out of its range; .option names the keyword
    flashmm.IoError(OSError)            a file that cannot be read or written, or is malformed
    flashmm.MissingFileError(IoError, FileNotFoundError)   a file or directory that does not exist
    flashmm.DeviceError(RuntimeError)   no usable GPU, or a GPU failure
    flashmm.NumericalError(RuntimeError)  an internal numerical failure (please report it)

All derive from flashmm.Error, so ``except flashmm.Error`` catches any of them.
"""

import os
import re

__all__ = ["Error", "InputError", "ParseError", "OptionError", "IoError", "MissingFileError", "DeviceError",
           "NumericalError", "FlashmmWarning"]


class Error(Exception):
    """Base of every error flashmm raises."""


class InputError(Error, ValueError):
    """The data or the arguments are wrong."""


class ParseError(Error, ValueError):
    """A formula or contrast expression could not be parsed or evaluated."""


class OptionError(InputError):
    """An argument is out of its range; ``option`` names the keyword argument."""

    def __init__(self, message, option=""):
        super().__init__(message)
        self.option = option


class IoError(Error, OSError):
    """A file could not be read or written, or its content is malformed."""


class MissingFileError(IoError, FileNotFoundError):
    """A file or directory given does not exist; ``filename`` is the path."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class DeviceError(Error, RuntimeError):
    """The GPU could not be used or failed."""


class NumericalError(Error, RuntimeError):
    """A numerical failure that is not the caller's fault (should not happen; please report it)."""


class FlashmmWarning(UserWarning):
    """A warning of the library (genes that did not converge, cells or levels left out, ...)."""


_CLASSES = {"InputError": InputError, "ParseError": ParseError, "OptionError": OptionError, "IoError": IoError,
            "DeviceError": DeviceError, "NumericalError": NumericalError, "Error": Error}

# The program's flags as Python spells them: switches become keyword=True; --out is out=.
_SWITCHES = {"force", "use-raw", "robust", "nonnegative"}
_RENAMED = {"contrast": "contrasts", "quiet": "progress=False"}
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)(?: (?=[A-Z'\"~0-9]))?")


def _keyword(match):
    flag = match.group(1)
    if flag in _SWITCHES:
        return flag.replace("-", "_") + "=True"
    name = _RENAMED.get(flag, flag.replace("-", "_"))
    return name if "=" in name else name + "="


def python_spelling(message):
    """A message of the library or the program with its flags (--max-iter, -o) as keywords (max_iter=)."""
    message = _FLAG.sub(_keyword, message)
    return re.sub(r"(?<![\w-])-o(?![\w-])", "out=", message)


def from_library(kind, message, option=""):
    """The exception for an error of the library (called by the compiled module)."""
    text = python_spelling(message)
    if kind == "OptionError":
        return OptionError(f"{text} (argument {option}=)", option)
    return _CLASSES.get(kind, Error)(text)


class missing_files:
    """Turns an IoError into MissingFileError when one of the paths given does not exist."""

    def __init__(self, *paths):
        self.paths = [os.fspath(p) for p in paths if isinstance(p, (str, os.PathLike))]

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, IoError) and not isinstance(error, MissingFileError):
            for p in self.paths:
                if not os.path.exists(p):
                    missing = MissingFileError(str(error))
                    missing.filename = p
                    raise missing from None
        return False
