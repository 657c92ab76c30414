"""Paths of a run in a runs directory, and run timestamps.

A run ``<id>`` in ``runs_dir`` has: the run dir ``<id>/``, the meta
``<id>.meta/`` (or ``<id>.meta.zip`` for finalised Gage 0.1.2 runs), the
user attribute log ``<id>.user/``, the project pointer ``<id>.project``
and container markers ``<id>.move/``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = [
    "run_dir",
    "meta_dir",
    "meta_zip",
    "user_dir",
    "project_file",
    "move_dir",
    "meta_path",
    "now_us",
    "META_SUFFIX",
    "META_ZIP_SUFFIX",
    "META_DELETED_SUFFIX",
    "OUTPUT_PHASES",
]

META_SUFFIX = ".meta"
META_ZIP_SUFFIX = ".meta.zip"
# The published Gage 0.1.2 deletes to trash by renaming every entry of a
# run to ``<name>.deleted`` (``<id>.meta.deleted``, ``<id>.user.deleted``...).
META_DELETED_SUFFIX = ".meta.deleted"

# Phase output files in execution order (output/<name>).
OUTPUT_PHASES = ("10_sourcecode", "20_runtime", "30_dependencies", "40_run", "50_finalize")


def run_dir(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / run_id


def meta_dir(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}{META_SUFFIX}"


def meta_zip(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}{META_ZIP_SUFFIX}"


def user_dir(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}.user"


def project_file(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}.project"


def move_dir(runs_dir: str | os.PathLike, run_id: str) -> Path:
    return Path(runs_dir) / f"{run_id}.move"


def meta_path(runs_dir: str | os.PathLike, run_id: str) -> Path:
    """The existing meta location: the dir if present, else the zip, else
    a Gage 0.1.2 ``.meta.deleted`` dir; the zip path when none exists."""
    d = meta_dir(runs_dir, run_id)
    if d.is_dir():
        return d
    z = meta_zip(runs_dir, run_id)
    if not z.exists():
        deleted = Path(runs_dir) / f"{run_id}{META_DELETED_SUFFIX}"
        if deleted.is_dir():
            return deleted
    return z


_ts_lock = threading.Lock()
_last_us = 0


def now_us() -> int:
    """Epoch microseconds, strictly increasing within this process."""
    global _last_us
    with _ts_lock:
        t = time.time_ns() // 1000
        if t <= _last_us:
            t = _last_us + 1
        _last_us = t
        return t
