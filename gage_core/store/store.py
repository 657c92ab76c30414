"""``RunStore``: the runs of one runs directory.

    store = RunStore(runs_dir)
    runs = store.list_runs()            # newest first, active runs
    run = store.get(run_id)             # fresh from disk
    data = store.read_meta(run, "summary.json")

Listing goes through the index cache (``index.py``); runs whose status is
``running`` are re-checked for liveness on every listing.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from gage_core.errors import RunNotFound, StoreError
from gage_core.store import layout
from gage_core.store.index import load_index, record_to_run, run_key, run_to_record, save_index
from gage_core.store.meta import MetaError, MetaReader
from gage_core.store.run import Run
from gage_core.store.runload import load_run
from gage_core.store.status import lock_alive, parse_lock

__all__ = ["RunStore", "sort_newest_first"]

# File mtimes come from a coarse kernel clock (a few ms); entries whose
# files changed within this window are re-read on the next listing.
_RACY_WINDOW_NS = 2_000_000_000


def sort_newest_first(runs: list[Run]) -> list[Run]:
    """By timestamp (started, staged, initialized) descending; runs without
    any timestamp last; ties by id descending (ids are time ordered)."""
    return sorted(runs, key=lambda r: (r.timestamp is not None, r.timestamp or 0, r.id), reverse=True)


class RunStore:
    def __init__(self, runs_dir: str | os.PathLike, use_index: bool = True):
        self.runs_dir = Path(runs_dir)
        self.use_index = use_index

    def __repr__(self) -> str:
        return f"RunStore({str(self.runs_dir)!r})"

    # -- paths --------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        return layout.run_dir(self.runs_dir, run_id)

    def meta_path(self, run_id: str) -> Path:
        return layout.meta_path(self.runs_dir, run_id)

    def user_dir(self, run_id: str) -> Path:
        return layout.user_dir(self.runs_dir, run_id)

    def project_file(self, run_id: str) -> Path:
        return layout.project_file(self.runs_dir, run_id)

    def move_dir(self, run_id: str) -> Path:
        return layout.move_dir(self.runs_dir, run_id)

    @property
    def index_path(self) -> Path:
        from gage_core.store.index import INDEX_NAME

        return self.runs_dir / INDEX_NAME

    # -- scanning -----------------------------------------------------

    def _scan(self) -> tuple[dict[str, str], frozenset[str]]:
        """``{run_id: meta suffix}`` for every meta entry, and all entry
        names. A dir wins over a zip; ``.meta.deleted`` is the trash of the
        published Gage 0.1.2."""
        try:
            names = frozenset(os.listdir(self.runs_dir))
        except FileNotFoundError:
            return {}, frozenset()
        except NotADirectoryError:
            raise StoreError(f"runs directory {self.runs_dir} is not a directory") from None
        except OSError as e:
            raise StoreError(f"cannot read runs directory {self.runs_dir}: {e.strerror}") from None
        ids: dict[str, str] = {}
        for name in names:
            if name.endswith(".meta"):
                ids[name[:-5]] = ".meta"
            elif name.endswith(".meta.zip"):
                if ids.get(name[:-9]) != ".meta":
                    ids[name[:-9]] = ".meta.zip"
            elif name.endswith(layout.META_DELETED_SUFFIX):
                ids.setdefault(name[: -len(layout.META_DELETED_SUFFIX)], layout.META_DELETED_SUFFIX)
        return ids, names

    def run_ids(self) -> list[str]:
        """Ids of all meta entries (not all need be valid runs)."""
        return sorted(self._scan()[0])

    # -- listing ------------------------------------------------------

    def list_runs(self, include_deleted: bool = False, progress=None) -> list[Run]:
        """Runs newest first. Only the ``active`` container unless
        ``include_deleted`` (then all containers; see ``Run.container``).
        ``progress(done, total, runs_so_far)`` is called now and then while
        runs whose index entry is stale are read (the slow part of a cold
        listing). Ids are visited newest first (our ids are time ordered),
        so a UI can show the newest runs before the listing is complete."""
        ids, names = self._scan()
        runs_dir = str(self.runs_dir)
        old = load_index(self.runs_dir) if self.use_index else {}
        new: dict[str, dict] = {}
        changed = len(old) != len(ids)
        racy_ns = time.time_ns() - _RACY_WINDOW_NS
        runs: list[Run] = []
        loaded = 0
        for run_id in sorted(ids, reverse=True):
            suffix = ids[run_id]
            key = run_key(runs_dir, run_id, names, suffix)
            entry = old.get(run_id)
            run = None
            if entry is not None and entry.get("key") == key:
                rec = entry.get("run")
                try:
                    run = record_to_run(self.runs_dir, run_id, rec) if rec else None
                except (KeyError, TypeError, ValueError, AttributeError):
                    entry = None  # foreign record: reload
                else:
                    if run is not None and run.status == "running":
                        run = self._recheck_running(run)
                        if run.status != "running":
                            entry = None  # store the new status
                    if entry is not None:
                        new[run_id] = entry
                        if run is not None:
                            runs.append(run)
                        continue
            changed = True
            loaded += 1
            if progress is not None and loaded % 250 == 0:
                progress(len(new), len(ids), list(runs))
            if run is None:
                run = load_run(self.runs_dir, run_id, self.runs_dir / f"{run_id}{suffix}")
            # A run with no opref yet is cached as "not a run" (record None)
            # until its meta dir changes. A key with an mtime this recent
            # may miss a change made in the same clock tick after it was
            # taken: such entries are not trusted (reloaded next time).
            if max(key[1:]) > racy_ns:
                key = None
            new[run_id] = {"key": key, "run": run_to_record(run) if run else None}
            if run is not None:
                runs.append(run)
        if self.use_index and (changed or set(old) != set(new)):
            save_index(self.runs_dir, new)
        if not include_deleted:
            runs = [r for r in runs if r.container == "active"]
        return sort_newest_first(runs)

    def cached_runs(self, include_deleted: bool = False) -> list[Run]:
        """Runs as the index last saw them, without checking their files:
        a fast first answer for a UI, which then calls ``list_runs`` for the
        checked one. Running runs are still checked for liveness; runs the
        index does not know yet are missing."""
        if not self.use_index:
            return []
        runs = []
        for run_id, entry in load_index(self.runs_dir).items():
            rec = entry.get("run")
            if not rec:
                continue
            try:
                run = record_to_run(self.runs_dir, run_id, rec)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            if run.status == "running":
                run = self._recheck_running(run)
            if include_deleted or run.container == "active":
                runs.append(run)
        return sort_newest_first(runs)

    def _recheck_running(self, run: Run) -> Run:
        """A cached running run: still running iff its lock has a live PID."""
        meta = MetaReader(layout.meta_path(self.runs_dir, run.id))
        try:
            lock = meta.read_bytes("proc/lock")
            if lock is not None and lock_alive(parse_lock(lock, meta.mtime("proc/lock"))):
                return run
        except MetaError:
            pass
        finally:
            meta.close()
        # Lock gone (finished: reload everything) or dead (terminated).
        fresh = load_run(self.runs_dir, run.id)
        if fresh is None:
            return replace(run, status="terminated")
        return fresh

    def get(self, run_id: str) -> Run:
        """The run with exactly this id, read fresh from disk."""
        run = load_run(self.runs_dir, run_id) if run_id and "/" not in run_id else None
        if run is None:
            raise RunNotFound(f"no run with id '{run_id}'", hint="Use 'gage ls' to show available runs.")
        return run

    def refresh(self, run: Run) -> Run:
        """The same run re-read from disk (``run`` if it has vanished)."""
        return load_run(self.runs_dir, run.id) or run

    # -- meta access --------------------------------------------------

    def meta(self, run: Run | str) -> MetaReader:
        """A reader for the run's meta (dir or zip); close it when done."""
        run_id = run if isinstance(run, str) else run.id
        return MetaReader(layout.meta_path(self.runs_dir, run_id))

    def read_meta(self, run: Run | str, relpath: str) -> bytes | None:
        """A meta file's bytes (dir or zip), None when absent or unreadable."""
        with self.meta(run) as meta:
            try:
                return meta.read_bytes(relpath)
            except MetaError:
                return None

    def clear_index(self) -> None:
        try:
            self.index_path.unlink()
        except FileNotFoundError:
            pass
