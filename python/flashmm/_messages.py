"""What the library says besides its results, shown the Python way.

Warnings of the library (genes that did not converge, cells or levels a design left out) become
``warnings.warn(..., flashmm.FlashmmWarning)``; its notes (which device ran and why) go to the
``logging`` logger "flashmm" at INFO level, and so do the timings of each stage. Progress is a
live line on stderr when stderr is a terminal (``progress=True``), or a callable of yours
``progress(stage, done, total)``; ``progress=False`` shows none. Nothing is printed otherwise.
"""

import contextlib
import logging
import sys
import time
import warnings

from . import _flashmm
from ._errors import FlashmmWarning, python_spelling

logger = logging.getLogger("flashmm")


class _Progress:
    """The live line and the stage timings (progress=True)."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.stage = None
        self.start = 0.0
        self.drawn = False

    def __call__(self, stage, done, total):
        if stage != self.stage:
            self.close()
            self.stage, self.start = stage, time.monotonic()
        if self.live:
            text = f"{stage}: {done:,}" + (f" of {total:,} ({100.0 * done / total:.0f}%)" if total else "")
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
            self.drawn = True

    def close(self):
        if self.stage is None:
            return
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
        logger.info("%s: %.2f s", self.stage, time.monotonic() - self.start)
        self.stage = None


def show(session, stacklevel=4):
    """Shows the session's messages: warnings with warnings.warn, notes in the log."""
    for kind, text in session.take_messages():
        text = python_spelling(text)
        if kind == "warning":
            warnings.warn(text, FlashmmWarning, stacklevel=stacklevel)
        else:
            logger.info(text)


@contextlib.contextmanager
def session(progress=True):
    """A session of the compiled module for one call: its messages are shown when the call ends,
    whether it succeeded or raised."""
    display = None
    if progress is True:
        display = _Progress()
        s = _flashmm.Session(display)
    elif callable(progress):
        s = _flashmm.Session(progress)
    else:
        s = _flashmm.Session(None)
    try:
        yield s
    finally:
        if display is not None:
            display.close()
        show(s, stacklevel=5)
