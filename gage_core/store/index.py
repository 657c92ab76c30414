"""The per-store listing index: ``<runs_dir>/.gage-index.json``.

A cache of loaded ``Run`` records keyed by cheap file-system facts (the
mtimes of the meta dir or zip, its ``proc/`` dir, ``summary.json``, the
user dir, the move dir and the ``.project`` file), so a listing stats a
few paths per run instead of reading every meta. Creating, replacing or
deleting any meta file (``staged``, ``started``, ``proc/lock``,
``proc/exit``...) changes a dir mtime; ``summary.json``, the one file a
runner may rewrite in place, is keyed by its own mtime. Runs that were
running are re-checked for liveness on every listing by the store.

The file is safe to delete (it is rebuilt) and safe against concurrent
writers (written to a temp file and renamed; the last writer wins and
every version is complete). It is never trusted blindly: anything but a
regular file of sane size (a FIFO, a link to a device, a huge file) is not
read at all, deep or malformed JSON is ignored, and a file whose content
does not match the digest it was saved with (damaged, edited) is ignored;
the index is then rebuilt from the metas.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from gage_core.store.atomic import write_atomic
from gage_core.store.opref import OpRef
from gage_core.store.run import Run

__all__ = ["INDEX_NAME", "INDEX_VERSION", "load_index", "save_index", "run_key", "run_to_record", "record_to_run"]

INDEX_NAME = ".gage-index.json"
INDEX_VERSION = 3
# Far above the index of 100,000 runs; a bigger file is not an index.
_MAX_INDEX_BYTES = 256 << 20


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def run_key(runs_dir: str, run_id: str, names: frozenset[str] | set[str], meta_suffix: str) -> list[int]:
    """Cache key of a run whose meta is ``<id><meta_suffix>``. ``names`` are
    the entries of the runs dir (so absent sidecars cost no stat)."""
    base = os.path.join(runs_dir, run_id)
    if meta_suffix == ".meta.zip":
        key = [1, _mtime(base + ".meta.zip"), 0, 0]
    else:
        meta = base + meta_suffix
        key = [
            2 if meta_suffix == ".meta" else 3,
            _mtime(meta),
            _mtime(meta + "/proc"),
            _mtime(meta + "/summary.json"),
        ]
    for suffix in (".user", ".move", ".project", ".user.deleted"):
        key.append(_mtime(base + suffix) if run_id + suffix in names else 0)
    return key


def run_to_record(run: Run) -> list[Any]:
    """A compact positional record (fast to decode for 10,000 runs)."""
    return [
        run.name, run.opref.namespace, run.opref.name, run.opref.version, run.status,
        run.initialized, run.staged, run.started, run.stopped, run.exit_code,
        run.label, list(run.tags), run.config, run.metrics, run.attributes,
        run.project_dir, run.project_id, run.batch_id, run.container, run.meta_error,
    ]


def record_to_run(runs_dir: Path, run_id: str, rec: list[Any]) -> Run:
    """Inverse of ``run_to_record``; raises ValueError/TypeError for a
    record of another shape."""
    (name, ns, op, version, status, initialized, staged, started, stopped, exit_code,
     label, tags, config, metrics, attributes, project_dir, project_id, batch_id,
     container, meta_error) = rec
    return Run(
        id=run_id,
        name=name,
        runs_dir=runs_dir,
        opref=OpRef(ns, op, version),
        status=status,
        initialized=initialized,
        staged=staged,
        started=started,
        stopped=stopped,
        exit_code=exit_code,
        label=label,
        tags=tuple(tags),
        config=config,
        metrics=metrics,
        attributes=attributes,
        project_dir=project_dir,
        project_id=project_id,
        batch_id=batch_id,
        container=container,
        meta_error=meta_error,
    )


def load_index(runs_dir: Path) -> dict[str, dict[str, Any]]:
    """``{run_id: {"key": [...], "run": record}}``; empty when the index is
    missing, not a regular file, too big, unreadable, of another version or
    not what was saved (digest mismatch)."""
    text = _read_regular(runs_dir / INDEX_NAME)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
        return {}
    runs = data.get("runs")
    if not isinstance(runs, dict) or data.get("digest") != _digest(runs):
        return {}
    # Foreign or damaged entries are dropped (those runs are reloaded).
    return {k: v for k, v in runs.items() if isinstance(v, dict)}


def _read_regular(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file of sane size. Opened
    without blocking (a FIFO never hangs us) and checked after opening
    (what we read is what we checked)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_INDEX_BYTES:
            return None
        chunks, left = [], st.st_size + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:  # grew while read: not the file we checked
            return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _digest(runs: dict) -> str:
    text = json.dumps(runs, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_index(runs_dir: Path, entries: dict[str, dict[str, Any]]) -> bool:
    """Write the index atomically; False (and nothing raised) when the runs
    dir is not writable."""
    data = json.dumps(
        {"version": INDEX_VERSION, "digest": _digest(entries), "runs": entries}, separators=(",", ":"))
    try:
        write_atomic(runs_dir / INDEX_NAME, data, mode=0o644)  # readable like the rest of the runs dir
        return True
    except OSError:
        return False
