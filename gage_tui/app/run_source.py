"""``RunSource``: the workbench's one door to the run store.

Everything the app needs from the store goes through here (a first
listing, reading a few runs again, telling which runs a file event is
about, a cheap check of runs on screen), so a change of the store's index
touches only this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from gage_core.store import layout
from gage_core.store.index import INDEX_NAME, RunIndex, run_key
from gage_core.store.run import Run
from gage_core.store.runload import load_run
from gage_core.store.store import RunStore

__all__ = ["RunSource"]

# Entries of a runs dir, by suffix, that belong to a run.
_RUN_SUFFIXES = (
    layout.META_DELETED_SUFFIX, ".meta.zip", ".meta", ".user.deleted", ".user", ".project", ".move",
)
_SIDECARS = (".user", ".move", ".project", ".user.deleted")


class RunSource:
    """The runs of one runs directory, as the workbench reads them."""

    def __init__(self, runs_dir: str | os.PathLike):
        self.store = RunStore(runs_dir)
        self.runs_dir = Path(runs_dir)
        self._runs_dir_text = str(self.runs_dir)
        self._index: RunIndex | None = None  # kept open for written_since
        self._index_inode: int | None = None

    # -- whole listings ---------------------------------------------------

    def cached(self, limit: int | None = None) -> list[Run]:
        """The runs (the newest ``limit``) as the index last saw them (fast,
        possibly stale)."""
        return self.store.cached_runs(include_deleted=True, limit=limit)

    def list_all(self, progress: Callable[[int, int, Callable[[], list]], None] | None = None) -> list[Run]:
        """Every run, checked against its files, newest first."""
        return self.store.list_runs(include_deleted=True, progress=progress)

    # -- a few runs ---------------------------------------------------------

    def read(self, run_ids: Iterable[str]) -> tuple[list[Run], set[str]]:
        """The runs ``run_ids`` read again from disk, and the ids that are
        no run (any more)."""
        found, gone = [], set()
        for run_id in run_ids:
            run = load_run(self.runs_dir, run_id) if run_id and "/" not in run_id else None
            if run is None:
                gone.add(run_id)
            else:
                found.append(run)
        return found, gone

    def get(self, run_id: str) -> Run:
        return self.store.get(run_id)

    def scan_ids(self) -> set[str]:
        """Ids of every meta entry (one directory read)."""
        return set(self.store.run_ids())

    def written_since(self, mark: tuple[str, int] | None) -> tuple[tuple[str, int] | None, list[str]]:
        """Ids of the runs the index was told about since ``mark`` (a label
        or tag from another terminal, a run that finished), and a new mark;
        one small query when nothing was written."""
        try:
            inode = os.stat(self.store.index_path).st_ino
        except OSError:
            inode = None
        if self._index is not None and inode != self._index_inode:
            # Deleted or rebuilt: the open one is a file nobody writes.
            self._index.close()
            self._index = None
        if self._index is None and inode is not None:
            self._index = self.store.open_index(create=False)
            self._index_inode = inode
        if self._index is None:
            return None, []
        return self._index.written_since(mark)

    def runs_dir_stamp(self) -> int | None:
        """The runs dir's mtime: it changes when a run appears or goes."""
        try:
            return os.stat(self.runs_dir).st_mtime_ns
        except OSError:
            return None

    def file_stamp(self, run: Run) -> tuple:
        """Cheap facts that change when the run's files do (a few stats)."""
        meta = run.meta_dir
        suffix = meta.name[len(run.id):]
        names = {run.id + s for s in _SIDECARS}
        return tuple(run_key(self._runs_dir_text, run.id, names, suffix))

    # -- file events --------------------------------------------------------

    def ids_of_paths(self, paths: Iterable[str]) -> tuple[set[str], bool]:
        """Run ids the changed ``paths`` are about, and whether the runs dir
        itself (or a parent of it) changed in a way that needs a scan.
        The store's own index file is not a change of any run."""
        root = self._runs_dir_text
        ids: set[str] = set()
        scan = False
        for path in paths:
            if path == root or root.startswith(path.rstrip(os.sep) + os.sep):
                scan = True
                continue
            if not path.startswith(root + os.sep):
                continue
            entry = path[len(root) + 1 :].split(os.sep, 1)[0]
            if entry == INDEX_NAME or entry.startswith("." + INDEX_NAME):
                continue
            run_id = _run_id_of_entry(entry)
            if run_id:
                ids.add(run_id)
        return ids, scan

    # -- project ------------------------------------------------------------

    @staticmethod
    def project_matcher(project) -> Callable[[Run], bool]:
        """A fast test for "this run belongs to ``project``"."""
        from gage_core.project import project_matcher

        return project_matcher(project)


def _run_id_of_entry(entry: str) -> str | None:
    for suffix in _RUN_SUFFIXES:
        if entry.endswith(suffix):
            return entry[: -len(suffix)] or None
    if entry.startswith("."):
        return None  # temp files of atomic writes
    return entry  # the run dir itself
