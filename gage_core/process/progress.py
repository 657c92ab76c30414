"""Progress parsed from phase output, stored in the meta ``progress`` file.

Only ``tqdm`` is known (as in Gage 0.1.2): a bar such as
``" 40%|████      | 4/10 [00:01<00:02, 3.9it/s]"``, usually redrawn with
``\\r``. Unlike Gage, the bar is not stripped from the output (output stays
byte-exact) and an unknown progress name is reported, not a crash.

The ``progress`` meta file holds the latest value as JSON
``{"phase", "percent", "n", "total"}`` (``n``/``total`` may be null).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gage_core.store.atomic import write_atomic

__all__ = ["KNOWN_PROGRESS", "Progress", "ProgressParser", "write_progress", "read_progress"]

KNOWN_PROGRESS = ("tqdm",)
_TQDM = re.compile(rb"(\d{1,3})%\|[^|\r\n]*\|(?:\s*(\d+(?:\.\d+)?)([kMGT]?)/(\d+(?:\.\d+)?)([kMGT]?))?")
_SCALE = {b"": 1, b"k": 10**3, b"M": 10**6, b"G": 10**9, b"T": 10**12}
_CARRY = 256


@dataclass(frozen=True)
class Progress:
    phase: str
    percent: int
    n: float | None = None
    total: float | None = None

    def to_json(self) -> dict:
        return {"phase": self.phase, "percent": self.percent, "n": self.n, "total": self.total}


def _amount(num: bytes | None, unit: bytes | None):
    if num is None:
        return None
    v = float(num) * _SCALE.get(unit or b"", 1)
    return int(v) if v.is_integer() else v


class ProgressParser:
    """Finds the latest tqdm bar in raw output chunks (``feed``)."""

    def __init__(self, kind: str, phase: str):
        if kind not in KNOWN_PROGRESS:
            raise ValueError(f"unknown progress type {kind!r} (known: {', '.join(KNOWN_PROGRESS)})")
        self.kind = kind
        self.phase = phase
        self.latest: Progress | None = None
        self._carry = b""

    def feed(self, data: bytes) -> Progress | None:
        """Latest progress found in ``data`` (with a little of the previous
        chunk, so a bar split across reads is still seen), else None."""
        buf = self._carry + data
        self._carry = buf[-_CARRY:]
        if b"%|" not in buf:
            return None
        matches = list(_TQDM.finditer(buf))
        last = matches[-1] if matches else None
        if last is None:
            return None
        pct = min(100, int(last.group(1)))
        p = Progress(
            self.phase,
            pct,
            _amount(last.group(2), last.group(3)),
            _amount(last.group(4), last.group(5)),
        )
        if p != self.latest:
            self.latest = p
            return p
        return None


def write_progress(meta_dir: str | os.PathLike, progress: Progress) -> None:
    """Atomically replace the meta ``progress`` file."""
    write_atomic(Path(meta_dir) / "progress", json.dumps(progress.to_json()))


def read_progress(meta_dir: str | os.PathLike) -> dict | None:
    """The latest progress of a run, or None."""
    try:
        return json.loads((Path(meta_dir) / "progress").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Throttle:
    """True at most once per ``interval`` seconds."""

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.interval
            return True
        return False
