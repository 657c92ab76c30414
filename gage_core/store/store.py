"""``RunStore``: the runs of one runs directory.

    store = RunStore(runs_dir)
    runs = store.list_runs()            # newest first, active runs
    page = store.newest_runs(20)        # the first page, without reading every run
    run = store.get(run_id)             # fresh from disk
    data = store.read_meta(run, "summary.json")

Listing goes through the index (``index.py``); runs whose status is
``running`` are re-checked for liveness on every listing.
"""

from __future__ import annotations

import heapq
import itertools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from gage_core.errors import RunNotFound, StoreError
from gage_core.store import layout
from gage_core.store.index import (
    INDEX_NAME,
    IndexQueryError,
    RunIndex,
    decode_row,
    entries_signature,
    key_text,
    run_key,
)
from gage_core.store.meta import MetaError, MetaReader
from gage_core.store.run import Run
from gage_core.store.runload import load_run
from gage_core.store.status import lock_alive, parse_lock

__all__ = ["RunStore", "RunPage", "FIRST_SCREEN", "sort_newest_first", "note_runs_changed"]

# File mtimes come from a coarse kernel clock (a few ms); entries whose
# files changed within this window are re-read on the next listing.
_RACY_WINDOW_NS = 2_000_000_000
# A run's recorded times are taken before the files holding them are
# written, so its meta's mtime bounds them from above (with this slack for
# clocks of different resolution).
_MTIME_SLACK_US = 50_000
# Rows a cold listing proves newest before its first progress report.
FIRST_SCREEN = 100
_WRITE_BATCH = 1000
_KIND_BY_SUFFIX = {".meta.zip": 1, ".meta": 2, layout.META_DELETED_SUFFIX: 3}
_SIDECARS = (".user", ".move", ".project", ".user.deleted")


def sort_newest_first(runs: list[Run]) -> list[Run]:
    """By timestamp (started, staged, initialized) descending; runs without
    any timestamp last; ties by id descending (ids are time ordered)."""
    return sorted(runs, key=lambda r: (r.timestamp is not None, r.timestamp or 0, r.id), reverse=True)


@dataclass(frozen=True)
class RunPage:
    """The newest runs matching a query, and how many match in all; for a
    sorted page, ``numbers`` gives each run's place (1-based) among the
    matching runs newest first."""

    runs: list[Run]
    total: int
    numbers: list[int] | None = None


def _page_of(runs: list[Run], limit: int | None, sort: list[str] | None) -> RunPage:
    """The first ``limit`` of ``runs`` (newest first), or of them sorted by
    ``sort`` (with their places newest first)."""
    if sort is None:
        return RunPage(runs if limit is None else runs[: max(limit, 0)], len(runs))
    from gage_core.query.sort import check_sort_keys, sort_runs

    check_sort_keys(sort, runs)
    place = {r.id: n for n, r in enumerate(runs, 1)}
    ordered = sort_runs(runs, sort)
    if limit is not None:
        ordered = ordered[: max(limit, 0)]
    return RunPage(ordered, len(runs), [place[r.id] for r in ordered])


def note_runs_changed(runs_dir: str | os.PathLike, run_ids: Iterable[str]) -> None:
    """Re-read these runs into the index (when there is one): for changes
    the runs dir's own mtime does not show (user attributes, container
    markers)."""
    RunStore(runs_dir).reindex(run_ids)


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

    def open_index(self, create: bool = True) -> RunIndex | None:
        if not self.use_index:
            return None
        index = RunIndex(self.runs_dir, create=create)
        if not index.usable:
            index.close()
            return None
        return index

    def list_runs(self, include_deleted: bool = False, progress=None) -> list[Run]:
        """Runs newest first. Only the ``active`` container unless
        ``include_deleted`` (then all containers; see ``Run.container``).

        Every run's index row is checked against its files; runs whose row
        is missing or stale are read, the newest first by their meta's
        mtime (whatever the order of their ids). ``progress(done, total,
        runs_so_far)`` is called while they are read: first as soon as the
        newest ``FIRST_SCREEN`` runs are known, then every 250 runs;
        ``runs_so_far()`` gives the runs read so far, newest first (the
        first report's begin with those newest runs). It is a function so
        that a report that does not look costs no sort."""
        # The index (its own dir) first: creating it changes the runs dir.
        index = self.open_index(create=False)
        dir_mtime = _mtime_ns(self.runs_dir)
        ids, names = self._scan()
        if index is None and ids:
            # A first listing of a dir that holds runs: make the index (a
            # dir with no runs, maybe no runs dir at all, gets nothing).
            index = self.open_index()
            if index is not None:
                dir_mtime = _mtime_ns(self.runs_dir)
                ids, names = self._scan()
        try:
            return self._list(index, ids, names, dir_mtime, include_deleted, progress)
        finally:
            if index is not None:
                index.close()

    def _list(self, index, ids, names, dir_mtime, include_deleted, progress) -> list[Run]:
        runs_dir = str(self.runs_dir)
        old = index.rows() if index is not None else {}
        racy_ns = time.time_ns() - _RACY_WINDOW_NS
        runs: list[Run] = []
        put: list = []
        stale: list[tuple[int, str, str, list[int] | None]] = []
        for run_id, suffix in ids.items():
            entry = old.get(run_id)
            if entry is None:
                # Unknown: one stat to order it; its key is taken when read.
                stale.append((_mtime_ns(f"{runs_dir}/{run_id}{suffix}"), run_id, suffix, None))
                continue
            key = run_key(runs_dir, run_id, names, suffix)
            if entry is not None and entry[0] is not None and entry[0] == key_text(key):
                if entry[1] is None:
                    continue  # not a run until its meta changes
                run = decode_row(self.runs_dir, run_id, entry[1])
                if run is not None:
                    if run.status == "running":
                        fresh = self._recheck_running(run)
                        if fresh is not run:
                            run = fresh
                            put.append((run_id, self._trusted(key, racy_ns), run))
                    runs.append(run)
                    continue
            stale.append((key[1], run_id, suffix, key))
        # Newest meta first: the first screenful is known long before the
        # whole store has been read.
        stale.sort(reverse=True)
        top: list[int] = [r.timestamp or 0 for r in runs]
        top = heapq.nlargest(FIRST_SCREEN, top)
        heapq.heapify(top)
        first_shown = not stale
        for n, (_mt, run_id, suffix, known_key) in enumerate(stale):
            if progress is not None:
                if not first_shown:
                    bound = _mt // 1000 + _MTIME_SLACK_US
                    if len(top) >= FIRST_SCREEN and top[0] >= bound:
                        first_shown = True
                        progress(n, len(stale), lambda: sort_newest_first(runs))
                elif n % 250 == 0:
                    progress(n, len(stale), lambda: sort_newest_first(runs))
            # Taken before reading: a change made while reading shows later.
            key = known_key if known_key is not None else run_key(runs_dir, run_id, names, suffix)
            run = load_run(self.runs_dir, run_id, self.runs_dir / f"{run_id}{suffix}")
            put.append((run_id, self._trusted(key, racy_ns), run))
            if run is not None:
                runs.append(run)
                ts = run.timestamp or 0
                if len(top) < FIRST_SCREEN:
                    heapq.heappush(top, ts)
                elif ts > top[0]:
                    heapq.heapreplace(top, ts)
            if index is not None and len(put) >= _WRITE_BATCH:
                index.write(put)
                put = []
        if progress is not None and stale and not first_shown:
            progress(len(stale), len(stale), lambda: sort_newest_first(runs))
        if index is not None:
            gone = [rid for rid in old if rid not in ids]
            info = {"complete": "1", "dir_mtime": str(dir_mtime) if dir_mtime <= racy_ns else None}
            index.write(put, gone, info)
        if not include_deleted:
            runs = [r for r in runs if r.container == "active"]
        return sort_newest_first(runs)

    @staticmethod
    def _trusted(key: list[int], racy_ns: int) -> list[int] | None:
        # A key with an mtime this recent may miss a change made in the
        # same clock tick after it was taken: such rows are re-read.
        return None if max(key[1:]) > racy_ns else key

    def newest_runs(
        self,
        limit: int | None,
        *,
        containers: tuple[str, ...] | None = ("active",),
        project: Callable[[str | None, str | None], bool] | None = None,
        where=None,
        sort: list[str] | None = None,
        progress=None,
        first_page: Callable[[list[Run]], None] | None = None,
    ) -> RunPage:
        """The newest ``limit`` runs (None: all) in ``containers`` (None:
        all) whose ``(project_dir, project_id)`` satisfy ``project`` (None:
        all) and that the filter ``where`` (a ``RunFilter``) matches, and
        how many match in all, without reading every run: the index
        answers, and only the runs it returns, runs that have not finished
        and runs whose entries in the runs dir changed are checked against
        their files. What of ``where`` the index can decide is asked in SQL
        (``gage_core.query.pushdown``); the filter checks the rest.
        ``sort`` (keys as for ``sort_runs``) orders the matching runs
        instead of newest first; ``RunPage.numbers`` then gives each run's
        place newest first. With no complete index, one is built first
        (``progress`` as for ``list_runs``), and an unsorted page is given
        to ``first_page`` as soon as it is certain, before the build ends
        (not called when the page is only known at the end)."""
        if where is not None and where.is_empty:
            where = None
        now = time.time()  # one clock for the whole listing
        index = self.open_index(create=False)  # list_runs makes it where there are runs
        if index is not None and index.info("complete") == "1":
            try:
                return self._indexed_page(index, limit, containers, project, where, sort, now)
            except IndexQueryError:
                pass  # SQLite would not answer (locked, too complex): read the runs
            finally:
                index.close()
        elif index is not None:
            index.close()

        def chosen(runs: list[Run]) -> list[Run]:
            kept = [
                r for r in runs
                if (containers is None or r.container in containers)
                and (project is None or project(r.project_dir, r.project_id))
            ]
            return kept if where is None else where.filter(kept, now=now)

        told = first_page is None or sort is not None or limit is None

        def early(done: int, total: int, so_far: Callable[[], list[Run]]) -> None:
            nonlocal told
            if not told:
                # The first report comes once the newest FIRST_SCREEN runs
                # are known: the page is certain if they hold it.
                told = True
                head = chosen(so_far()[:FIRST_SCREEN])
                if first_page is not None and limit is not None and 0 < limit <= len(head):
                    first_page(head[:limit])
            if progress is not None:
                progress(done, total, so_far)

        runs = self.list_runs(include_deleted=True, progress=early)
        return _page_of(chosen(runs), limit, sort)

    def _indexed_page(self, index: RunIndex, limit, containers, project, where, sort, now) -> RunPage:
        self._catch_up(index)
        if where is None and sort is None:
            page: list[Run] = []
            for _attempt in range(5):
                page, changed = self._page(index, limit, containers, project)
                if not changed:
                    break
            total = sum(
                count for pdir, pid, count in index.project_counts(containers)
                if project is None or project(pdir, pid)
            )
            return RunPage(page, max(total, len(page)))
        from gage_core.query.filter import parse_filter
        from gage_core.query.pushdown import SQL_FUNCTIONS, filter_sql

        where = where or parse_filter("")
        plan = filter_sql(where)
        index.add_functions(SQL_FUNCTIONS)
        matches = where.matcher(now)
        result = RunPage([], 0)
        for _attempt in range(5):
            if sort is None:
                result, changed = self._filtered_page(index, limit, containers, project, matches, plan)
            else:
                result, changed = self._sorted_page(index, limit, containers, project, matches, plan, sort)
            if not changed:
                break
        return result

    def _filtered_page(self, index: RunIndex, limit, containers, project, matches, plan) -> tuple[RunPage, bool]:
        rows, total = self._matching_rows(index, limit, containers, project, matches, plan)
        checked, changed = self._check_rows(index, rows)
        page = [r for r in sort_newest_first(checked) if matches(r)]
        return RunPage(page, max(total - (len(rows) - len(page)), len(page))), changed

    def _sorted_page(self, index: RunIndex, limit, containers, project, matches, plan, sort) -> tuple[RunPage, bool]:
        """Every matching row is decoded and sorted (sort keys read flags and
        metrics, which are not columns); only the page is checked."""
        rows, _total = self._matching_rows(index, None, containers, project, matches, plan)
        found, unreadable = [], []
        for row in rows:
            run = decode_row(self.runs_dir, row[0], row[2])
            if run is None:
                unreadable.append(row)
            else:
                found.append(run)
        if unreadable:  # records that fail their digest: read from the meta
            found += [r for r in self._check_rows(index, unreadable)[0] if matches(r)]
        page = _page_of(sort_newest_first(found), limit, sort)
        by_id = {row[0]: row for row in rows}
        checked, changed = self._check_rows(index, [by_id[r.id] for r in page.runs])
        fresh = {r.id: r for r in checked if matches(r)}
        kept = [(n, fresh[r.id]) for n, r in zip(page.numbers or (), page.runs) if r.id in fresh]
        return RunPage([r for _n, r in kept], page.total, [n for n, _r in kept]), changed

    def _matching_rows(self, index: RunIndex, limit, containers, project, matches, plan) -> tuple[list, int]:
        """The rows (newest first, at most ``limit``) of the runs the
        filter matches, and how many there are in all. Rows SQL is sure
        of are not decoded; the others are decoded and matched."""

        def wanted(pdir, pid) -> bool:
            return project is None or project(pdir, pid)

        def matched(run_id, record) -> bool:
            run = decode_row(self.runs_dir, run_id, record)
            if run is None:
                return True  # undecodable: the check re-reads it
            return wanted(run.project_dir, run.project_id) and matches(run)

        # A row whose text columns are not the run's own (``plain`` 0) is
        # never sure: the filter decides it.
        maybe = (f"(NOT plain OR {plan.maybe.text})", plan.maybe.params)
        surely = (f"(plain AND {plan.surely.text})", plan.surely.params)
        rows = []
        if limit is None or limit > 0:
            for run_id, key, record, pdir, pid, sure in index.matching(containers, maybe, surely):
                if (wanted(pdir, pid) if sure else matched(run_id, record)):
                    rows.append((run_id, key, record))
                    if limit is not None and len(rows) >= limit:
                        break
        if limit is None:
            return rows, len(rows)
        total = sum(n for pdir, pid, n in index.count_matching(containers, surely) if wanted(pdir, pid))
        unsure = (f"{maybe[0]} AND NOT {surely[0]}", (*maybe[1], *surely[1]))
        for run_id, _key, record, _pdir, _pid, _sure in index.matching(containers, unsure):
            if matched(run_id, record):
                total += 1
        return rows, total

    def _page(self, index: RunIndex, limit: int, containers, project) -> tuple[list[Run], bool]:
        rows = []
        if limit > 0:
            for run_id, key, record in index.newest(containers):
                run = decode_row(self.runs_dir, run_id, record)
                if run is not None and project is not None and not project(run.project_dir, run.project_id):
                    continue
                rows.append((run_id, key, record))
                if len(rows) >= limit:
                    break
        checked, changed = self._check_rows(index, rows)
        return sort_newest_first(checked), changed

    def _catch_up(self, index: RunIndex) -> None:
        """Bring the index up to date with the runs dir's entries (runs
        added or removed, sidecars created or removed) when the dir changed
        since the index last saw it, and re-check the rows of unfinished
        or untrusted runs."""
        dir_mtime = _mtime_ns(self.runs_dir)
        racy_ns = time.time_ns() - _RACY_WINDOW_NS
        if index.info("dir_mtime") != str(dir_mtime):
            ids, names = self._scan()
            known = index.entries()
            suspects = [rid for rid, suffix in ids.items() if known.get(rid) != _entries(rid, suffix, names)]
            gone = [rid for rid in known if rid not in ids]
            put = []
            runs_dir = str(self.runs_dir)
            for rid in suspects:
                key = run_key(runs_dir, rid, names, ids[rid])
                run = load_run(self.runs_dir, rid, self.runs_dir / f"{rid}{ids[rid]}")
                put.append((rid, self._trusted(key, racy_ns), run))
            info = {"dir_mtime": str(dir_mtime) if dir_mtime <= racy_ns else None}
            index.write(put, gone, info)
        self._check_rows(index, index.volatile())

    def _check_rows(self, index: RunIndex, rows) -> tuple[list[Run], bool]:
        """Rows checked against their files (stale ones re-read and stored,
        running ones checked for liveness); the runs, and whether any row
        had changed."""
        runs_dir = str(self.runs_dir)
        racy_ns = time.time_ns() - _RACY_WINDOW_NS
        runs: list[Run] = []
        put: list = []
        gone: list[str] = []
        changed = False
        for run_id, stored_key, record in rows:
            suffix = self._meta_suffix(run_id)
            if suffix is None:
                gone.append(run_id)
                continue
            key = run_key(runs_dir, run_id, None, suffix)
            before = decode_row(self.runs_dir, run_id, record)
            run = before if stored_key is not None and stored_key == key_text(key) else None
            if run is None:
                run = load_run(self.runs_dir, run_id, self.runs_dir / f"{run_id}{suffix}")
                put.append((run_id, self._trusted(key, racy_ns), run))
                changed = changed or run != before
            elif run.status == "running":
                fresh = self._recheck_running(run)
                if fresh is not run:
                    run = fresh
                    put.append((run_id, self._trusted(key, racy_ns), run))
                    changed = True
            if run is not None:
                runs.append(run)
        if put or gone:
            index.write(put, gone)
        return runs, changed or bool(gone)

    def _meta_suffix(self, run_id: str) -> str | None:
        base = os.path.join(self.runs_dir, run_id)
        if os.path.isdir(base + layout.META_SUFFIX):
            return layout.META_SUFFIX
        if os.path.exists(base + layout.META_ZIP_SUFFIX):
            return layout.META_ZIP_SUFFIX
        if os.path.isdir(base + layout.META_DELETED_SUFFIX):
            return layout.META_DELETED_SUFFIX
        return None

    def reindex(self, run_ids: Iterable[str]) -> None:
        """Re-read these runs into the index, if the store has one."""
        index = self.open_index(create=False)
        if index is None:
            return
        try:
            rows = index.get(run_ids)
            self._check_rows(index, [(rid, None, rec) for rid, _key, rec in rows])
        finally:
            index.close()

    def cached_runs(self, include_deleted: bool = False, limit: int | None = None) -> list[Run]:
        """Runs as the index last saw them, without checking their files:
        a fast first answer for a UI, which then calls ``list_runs`` for the
        checked one. Running runs are still checked for liveness; runs the
        index does not know yet are missing. ``limit``: only the newest
        ones (a screenful costs the same in any store)."""
        index = self.open_index(create=False)
        if index is None:
            return []
        try:
            if limit is None:
                rows = [(rid, record) for rid, (_key, record) in index.rows().items()]
            else:
                newest = index.newest(None if include_deleted else ("active",))
                rows = [(rid, record) for rid, _key, record in itertools.islice(newest, max(limit, 0))]
                newest.close()  # its cursor, while the connection is open
        finally:
            index.close()
        runs = []
        for run_id, record in rows:
            run = decode_row(self.runs_dir, run_id, record)
            if run is None:
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
        """Delete the index (it is rebuilt by the next listing)."""
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.index_path}{suffix}")
            except (FileNotFoundError, NotADirectoryError):
                pass


def _mtime_ns(path: str | os.PathLike) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _entries(run_id: str, suffix: str, names: frozenset[str]) -> int:
    """The run's entries in the runs dir as ``entries_signature`` sums them
    up (no stat needed)."""
    return entries_signature(_KIND_BY_SUFFIX[suffix], (run_id + sidecar in names for sidecar in _SIDECARS))
