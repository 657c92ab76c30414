"""The per-store listing index: ``<runs_dir>/.gage-index.json``.

A cache of loaded ``Run`` records keyed by cheap file-system facts (the
mtimes of the meta dir or zip, its ``proc/`` dir, ``summary.json``,
``proc/exit``, the user dir, the move dir and the ``.project`` file), so a
listing stats a few paths per run instead of reading every meta. Creating,
replacing or deleting any meta file changes a dir mtime; in-place rewrites
of ``summary.json``/``proc/exit`` change their own mtime. Runs that were
running are re-checked for liveness on every listing by the store.

The file is safe to delete (it is rebuilt) and safe against concurrent
writers (written to a temp file and renamed; the last writer wins and
every version is complete). Unreadable or foreign index files are ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gage_core.store.opref import OpRef
from gage_core.store.run import Run

__all__ = ["INDEX_NAME", "INDEX_VERSION", "load_index", "save_index", "run_key", "run_to_record", "record_to_run"]

INDEX_NAME = ".gage-index.json"
INDEX_VERSION = 1


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def run_key(runs_dir: str, run_id: str, names: frozenset[str] | set[str], is_zip: bool) -> list[int]:
    """Cache key of a run. ``names`` are the entries of the runs dir (so
    absent sidecars cost no stat)."""
    base = os.path.join(runs_dir, run_id)
    if is_zip:
        key = [1, _mtime(base + ".meta.zip"), 0, 0, 0]
    else:
        meta = base + ".meta"
        key = [
            2,
            _mtime(meta),
            _mtime(meta + "/proc"),
            _mtime(meta + "/summary.json"),
            _mtime(meta + "/proc/exit"),
        ]
    for suffix in (".user", ".move", ".project"):
        key.append(_mtime(base + suffix) if run_id + suffix in names else 0)
    return key


def run_to_record(run: Run) -> dict[str, Any]:
    return {
        "opref": [run.opref.namespace, run.opref.name, run.opref.version],
        "status": run.status,
        "t": [run.initialized, run.staged, run.started, run.stopped],
        "exit_code": run.exit_code,
        "label": run.label,
        "tags": list(run.tags),
        "config": run.config,
        "metrics": run.metrics,
        "attributes": run.attributes,
        "project_dir": run.project_dir,
        "project_id": run.project_id,
        "batch_id": run.batch_id,
        "container": run.container,
        "meta_error": run.meta_error,
        "name": run.name,
    }


def record_to_run(runs_dir: Path, run_id: str, rec: dict[str, Any]) -> Run:
    ns, name, version = rec["opref"]
    initialized, staged, started, stopped = rec["t"]
    return Run(
        id=run_id,
        name=rec["name"],
        runs_dir=runs_dir,
        opref=OpRef(ns, name, version),
        status=rec["status"],
        initialized=initialized,
        staged=staged,
        started=started,
        stopped=stopped,
        exit_code=rec["exit_code"],
        label=rec["label"],
        tags=tuple(rec["tags"]),
        config=rec["config"],
        metrics=rec["metrics"],
        attributes=rec["attributes"],
        project_dir=rec["project_dir"],
        project_id=rec["project_id"],
        batch_id=rec["batch_id"],
        container=rec["container"],
        meta_error=rec["meta_error"],
    )


def load_index(runs_dir: Path) -> dict[str, dict[str, Any]]:
    """``{run_id: {"key": [...], "run": record}}``; empty when the index is
    missing, unreadable or of another version."""
    try:
        with open(runs_dir / INDEX_NAME, "rb") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
        return {}
    runs = data.get("runs")
    return runs if isinstance(runs, dict) else {}


def save_index(runs_dir: Path, entries: dict[str, dict[str, Any]]) -> bool:
    """Write the index atomically; False (and nothing raised) when the runs
    dir is not writable."""
    data = json.dumps({"version": INDEX_VERSION, "runs": entries}, separators=(",", ":"))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".gage-index-", suffix=".tmp", dir=runs_dir)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, runs_dir / INDEX_NAME)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
