"""Progress of long steps on a terminal: source code copy for ``gage run``,
the first build of the run index for ``gage ls``.

``stage_run(..., progress=cb)`` calls ``cb(done, total)`` while copying
source files (about 100 times at most, and once at the end). This shows
``Copying source code: N/M files`` on one ``\\r``-rewritten line of stderr,
only when stderr is a terminal and only once staging has taken longer than
``delay`` seconds (a quick copy prints nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["CopyProgress", "copy_progress_for"]


class CopyProgress:
    """A ``progress(done, total)`` callback drawing one status line."""

    def __init__(
        self,
        stream: TextIO,
        delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        what: str = "Copying source code",
        unit: str = "files",
    ):
        self.stream = stream
        self.what = what
        self.unit = unit
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.shown = False
        self.ended = False

    def __call__(self, done: int, total: int) -> None:
        if self.ended:
            return
        if not self.shown and self.clock() - self.start < self.delay:
            return
        self.shown = True
        line = f"\r{self.what}: {done:,}/{total:,} {self.unit}"
        if done >= total:
            line += "\n"
            self.ended = True
        try:
            self.stream.write(line)
            self.stream.flush()
        except (OSError, ValueError):
            self.ended = True

    def clear(self) -> None:
        """Wipe the drawn line so that other output can take its place (the
        next report draws it again)."""
        if self.shown and not self.ended:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                self.ended = True

    def close(self) -> None:
        """End the line if one was drawn and not finished (staging failed)."""
        if self.shown and not self.ended:
            self.ended = True
            try:
                self.stream.write("\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass


def copy_progress_for(
    stream: TextIO | None, delay: float = 0.5, what: str = "Copying source code", unit: str = "files"
) -> CopyProgress | None:
    """A ``CopyProgress`` on ``stream`` when it is a terminal, else None."""
    try:
        tty = stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        tty = False
    return CopyProgress(stream, delay, what=what, unit=unit) if tty else None
