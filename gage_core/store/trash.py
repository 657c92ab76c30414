"""Delete (to the trash), restore and purge runs.

A run with a meta directory is trashed as the published Gage 0.1.2 does
it, so both tools see the same trash: each of its entries (``<id>``,
``<id>.meta``, ``<id>.user``, ``<id>.project``) is renamed to
``<name>.deleted``; restore renames them back. A run with a zipped meta
(later Gage) gets an empty marker ``<id>.move/<time-uuid>-<container>``
(``trash`` or ``active``; the lexically last marker wins). Purge (and
``delete --permanent``) removes the meta first (dir or zip), so a
half-purged run is no longer listed, then the run's own entries only
(never another file that merely starts with the id).

A running run is neither deleted nor purged: stop it first.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
            _to_trash(run)
    return runs


# A run's own entries beside its run dir, by suffix of the id.
_RUN_SUFFIXES = ("", ".meta", ".meta.zip", ".user", ".project", ".move")
_RENAMED_SUFFIXES = ("", ".meta", ".user", ".project")


def _own_entries(runs_dir: Path, run_id: str) -> list[Path]:
    names = [run_id + s for s in _RUN_SUFFIXES]
    names += [n + ".deleted" for n in names]
    return [runs_dir / n for n in names if os.path.lexists(runs_dir / n)]


def _rename_all(run: Any, pairs: list[tuple[Path, Path]], what: str) -> None:
    done: list[tuple[Path, Path]] = []
    try:
        for src, dst in pairs:
            if os.path.lexists(dst):
                raise FileExistsError(17, "File exists", str(dst))
            os.rename(src, dst)
            done.append((src, dst))
    except OSError as e:
        for src, dst in reversed(done):  # all or nothing
            try:
                os.rename(dst, src)
            except OSError:
                pass
        raise StoreError(f"cannot {what} run {run.name}: {e.strerror or e}") from None


def _to_trash(run: Any) -> None:
    runs_dir = Path(run.runs_dir)
    meta = layout.meta_dir(runs_dir, run.id)
    if not meta.is_dir():
        mark_container(run, "trash")
        return
    pairs = [(runs_dir / (run.id + s), runs_dir / (run.id + s + ".deleted")) for s in _RENAMED_SUFFIXES]
    # The meta first: from then on the run is in the trash for both tools.
    pairs = [pairs[1], *pairs[:1], *pairs[2:]]
    _rename_all(run, [(a, b) for a, b in pairs if os.path.lexists(a)], "delete")


def _from_trash(run: Any) -> None:
    runs_dir = Path(run.runs_dir)
    if not (runs_dir / (run.id + layout.META_DELETED_SUFFIX)).is_dir():
        mark_container(run, "active")
        return
    pairs = [(runs_dir / (run.id + s + ".deleted"), runs_dir / (run.id + s)) for s in _RENAMED_SUFFIXES]
    pairs = [*pairs[:1], *pairs[2:], pairs[1]]  # the meta last: listed once whole
    _rename_all(run, [(a, b) for a, b in pairs if os.path.lexists(a)], "restore")


def delete_run(run: Any, permanent: bool = False) -> None:
    """Move one run to the trash (or purge it); refuses a running run."""
    delete_runs([run], permanent=permanent)


def restore_run(run: Any) -> None:
    _from_trash(run)


def restore_runs(runs: Iterable[Any]) -> list[Any]:
    """Bring runs back from the trash."""
    runs = list(runs)
    for run in runs:
        _from_trash(run)
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
        for meta in (layout.meta_dir(runs_dir, run_id), layout.meta_zip(runs_dir, run_id),
                     runs_dir / (run_id + layout.META_DELETED_SUFFIX)):
            if meta.exists() or meta.is_symlink():
                _remove(meta)
        for path in _own_entries(runs_dir, run_id):
            _remove(path)
    except OSError as e:
        raise StoreError(f"cannot purge run {run.name}: {e.strerror or e}") from None
