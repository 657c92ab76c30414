"""Delete (to the trash), restore and purge runs.

As Gage 0.1.2 (reference §2.11): delete and restore never move files; they
add an empty marker ``<id>.move/<time-uuid>-<container>`` (``trash`` or
``active``) and the lexically last marker wins. Purge (and ``delete
--permanent``) removes the meta first (dir or zip), so a half-purged run
is no longer listed, then every sibling whose name starts with the id.

A running run is neither deleted nor purged: stop it first.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any, Iterable

from gage_core.errors import RunStateError, StoreError
from gage_core.store import layout
from gage_core.store.ids import new_run_id

__all__ = [
    "delete_runs",
    "delete_run",
    "restore_runs",
    "restore_run",
    "purge_runs",
    "purge_run",
    "mark_container",
    "check_not_running",
]


def check_not_running(runs: Iterable[Any], action: str = "delete") -> None:
    """Raise ``RunStateError`` naming the running runs, if any."""
    running = [r for r in runs if getattr(r, "status", None) == "running"]
    if running:
        names = ", ".join(r.name for r in running[:5])
        what = "run is" if len(running) == 1 else "runs are"
        raise RunStateError(
            f"cannot {action} {names}: the {what} still running",
            hint="stop it first with 'gage stop " + running[0].name + "'",
        )


def mark_container(run: Any, container: str) -> Path:
    """Add a container marker (``trash``/``active``) for ``run``."""
    move_dir = layout.move_dir(run.runs_dir, run.id)
    try:
        move_dir.mkdir(exist_ok=True)
        marker = move_dir / f"{new_run_id()}-{container}"
        marker.touch(exist_ok=False)
    except OSError as e:
        raise StoreError(f"cannot mark run {run.name} as {container}: {e.strerror or e}") from None
    # A second marker changes only the move dir: tell the run index.
    from gage_core.store.store import note_runs_changed

    note_runs_changed(run.runs_dir, [run.id])
    return marker


def delete_runs(runs: Iterable[Any], permanent: bool = False) -> list[Any]:
    """Move ``runs`` to the trash (or purge them); all or nothing for the
    running check. Returns the runs acted on."""
    runs = list(runs)
    check_not_running(runs, "delete")
    for run in runs:
        if permanent:
            purge_run(run)
        else:
            mark_container(run, "trash")
    return runs


def delete_run(run: Any, permanent: bool = False) -> None:
    """Move one run to the trash (or purge it); refuses a running run."""
    delete_runs([run], permanent=permanent)


def restore_run(run: Any) -> None:
    mark_container(run, "active")


def restore_runs(runs: Iterable[Any]) -> list[Any]:
    """Bring runs back from the trash."""
    runs = list(runs)
    for run in runs:
        mark_container(run, "active")
    return runs


def purge_runs(runs: Iterable[Any]) -> list[Any]:
    """Delete runs permanently."""
    runs = list(runs)
    check_not_running(runs, "purge")
    for run in runs:
        purge_run(run)
    return runs


def _make_writable(func, path, _exc) -> None:
    """rmtree error handler: finished runs are read-only; open the parent
    (and the entry) for writing and try again."""
    parent = os.path.dirname(path)
    for p in (parent, path):
        try:
            mode = os.lstat(p).st_mode
            if not stat.S_ISLNK(mode):
                os.chmod(p, mode | stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        except OSError:
            pass
    func(path)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except PermissionError:
            _make_writable(os.unlink, str(path), None)
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_make_writable)
    else:
        shutil.rmtree(path, onerror=_make_writable)


def purge_run(run: Any) -> None:
    """Remove every file of ``run``: meta first, then ``<id>*`` siblings."""
    runs_dir = Path(run.runs_dir)
    run_id = run.id
    if len(run_id) < 8 or os.sep in run_id or run_id.startswith("."):
        raise StoreError(f"refusing to purge a run with id '{run_id}'")
    try:
        for meta in (layout.meta_dir(runs_dir, run_id), layout.meta_zip(runs_dir, run_id)):
            if meta.exists() or meta.is_symlink():
                _remove(meta)
        for name in sorted(os.listdir(runs_dir)):
            if name.startswith(run_id):
                _remove(runs_dir / name)
    except OSError as e:
        raise StoreError(f"cannot purge run {run.name}: {e.strerror or e}") from None
