"""The per-store listing index: ``<runs_dir>/.gage-index/runs.sqlite``.

One SQLite row per run (standard library ``sqlite3``, WAL journal): the
run's listed fields as columns (timestamp, status, container, project,
operation, label, name, tags) for ordering, counting and filtering in SQL, and the whole ``Run``
record (flags, metrics, attributes...) as compact JSON. Each row carries a
key of cheap file-system facts (the mtimes of the meta dir or zip, its
``proc/`` dir, ``summary.json``, the user dir, the move dir and the
``.project`` file): a row is trusted only while its key matches the files.
Creating, replacing or deleting any meta file changes a dir mtime;
``summary.json``, the one file a runner may rewrite in place, is keyed by
its own mtime. A row whose key is NULL is not trusted (its files changed
within the clock's resolution when it was read) and is checked again.

The file is a cache: safe to delete (it is rebuilt), and a damaged or
foreign file is removed and rebuilt. It lives in a directory of its own
so that opening it (SQLite creates and removes its ``-wal`` and ``-shm``
files) never changes the runs dir's mtime, which tells a listing whether
runs were added or removed. Concurrent writers are serialised by
SQLite; every row is written whole in a transaction, and the key is taken
before the files are read, so a row written from an older read never
matches the newer files and is re-read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

from gage_core.store.opref import OpRef
from gage_core.store.run import Run

__all__ = [
    "INDEX_DIR",
    "INDEX_NAME",
    "INDEX_VERSION",
    "IndexRow",
    "IndexQueryError",
    "RunIndex",
    "run_key",
    "key_text",
    "decode_row",
    "entries_signature",
    "run_to_record",
    "seal_record",
    "unseal_record",
    "record_to_run",
]

INDEX_DIR = ".gage-index"
INDEX_NAME = f"{INDEX_DIR}/runs.sqlite"
INDEX_VERSION = 9
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    key TEXT,
    entries INTEGER,
    is_run INTEGER NOT NULL,
    ts INTEGER,
    status TEXT,
    container TEXT,
    project_dir TEXT,
    project_id TEXT,
    op TEXT,
    label TEXT,
    name TEXT,
    ns TEXT,
    -- The tags as a JSON list of strings.
    tags TEXT,
    record TEXT,
    -- 0 when some text column could not hold the run's text as it is (a
    -- lone surrogate): SQL cannot decide filters on this row.
    plain INTEGER NOT NULL DEFAULT 1,
    -- The write that stored this row (info 'writes'): who watches the
    -- store asks for the rows written since it last looked.
    written INTEGER NOT NULL DEFAULT 0,
    volatile INTEGER GENERATED ALWAYS AS (
        key IS NULL OR status IN ('running', 'detached', 'staged', 'pending', 'unknown')
    ) VIRTUAL
);
CREATE INDEX IF NOT EXISTS runs_newest ON runs (container, ts DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_volatile ON runs (volatile);
CREATE INDEX IF NOT EXISTS runs_written ON runs (written);
CREATE TABLE IF NOT EXISTS counts (
    container TEXT NOT NULL,
    project_dir TEXT NOT NULL,
    project_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (container, project_dir, project_id)
);
CREATE TRIGGER IF NOT EXISTS runs_counted AFTER INSERT ON runs WHEN NEW.is_run BEGIN
    INSERT INTO counts VALUES (
        coalesce(NEW.container, ''), coalesce(NEW.project_dir, ''), coalesce(NEW.project_id, ''), 1
    ) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER IF NOT EXISTS runs_uncounted AFTER DELETE ON runs WHEN OLD.is_run BEGIN
    UPDATE counts SET n = n - 1 WHERE container = coalesce(OLD.container, '')
        AND project_dir = coalesce(OLD.project_dir, '') AND project_id = coalesce(OLD.project_id, '');
END;
"""

# (id, key JSON or None, record JSON or None)
IndexRow = tuple[str, "str | None", "str | None"]


class IndexQueryError(Exception):
    """A query the index cannot answer (too complex, locked): the caller
    answers it another way; the index itself is fine."""


def _statements(script: str) -> list[str]:
    """The statements of an SQL script (triggers hold ``;`` inside)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def run_key(runs_dir: str, run_id: str, names: frozenset[str] | set[str] | None, meta_suffix: str) -> list[int]:
    """Cache key of a run whose meta is ``<id><meta_suffix>``. ``names`` are
    the entries of the runs dir (so absent sidecars cost no stat); None
    stats every sidecar."""
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
        key.append(_mtime(base + suffix) if names is None or run_id + suffix in names else 0)
    return key


def key_text(key: list[int] | None) -> str | None:
    """The key as stored: compact JSON of its ints (built by hand: this
    runs once per run on every full listing)."""
    return None if key is None else "[" + ",".join(map(str, key)) + "]"


def run_to_record(run: Run) -> list[Any]:
    """A compact positional record (fast to decode for many runs)."""
    return [
        run.name, run.opref.namespace, run.opref.name, run.opref.version, run.status,
        run.initialized, run.staged, run.started, run.stopped, run.exit_code,
        run.label, list(run.tags), run.config, run.metrics, run.attributes,
        run.project_dir, run.project_id, run.batch_id, run.container, run.meta_error,
        run.executor, run.executor_address,
    ]


def record_to_run(runs_dir: Path, run_id: str, rec: list[Any]) -> Run:
    """Inverse of ``run_to_record``; raises ValueError/TypeError for a
    record of another shape."""
    (name, ns, op, version, status, initialized, staged, started, stopped, exit_code,
     label, tags, config, metrics, attributes, project_dir, project_id, batch_id,
     container, meta_error, executor, executor_address) = rec
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
        executor=executor,
        executor_address=executor_address,
    )


def seal_record(run_id: str, record_json: str) -> str:
    """A record as stored: a digest of the run id and the record, then the
    record. An index edited by hand (or a row moved to another id) fails
    the digest and its run is read from the meta again."""
    digest = hashlib.blake2b(f"{run_id}\0{record_json}".encode(), digest_size=8).hexdigest()
    return f"{digest} {record_json}"


def unseal_record(run_id: str, record: str) -> str | None:
    record_json = record.partition(" ")[2]
    return record_json if seal_record(run_id, record_json) == record else None


def decode_row(runs_dir: Path, run_id: str, record: str | None) -> Run | None:
    """The run of a stored record; None for "not a run" and for records
    that do not decode or fail their digest (the caller re-reads those)."""
    if not record:
        return None
    record_json = unseal_record(run_id, record)
    if record_json is None:
        return None
    try:
        return record_to_run(runs_dir, run_id, json.loads(record_json))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class RunIndex:
    """An open index of one runs dir. Every method is safe to call when
    the index cannot be used (an unwritable runs dir, a path that is not a
    file): it then behaves as an empty index that keeps nothing."""

    def __init__(self, runs_dir: str | os.PathLike, create: bool = True):
        self.runs_dir = Path(runs_dir)
        self.path = self.runs_dir / INDEX_NAME
        self._db: sqlite3.Connection | None = None
        self._open(create)

    # -- opening --------------------------------------------------------

    def _open(self, create: bool) -> None:
        if not create and not self.path.is_file():
            return
        if not self.runs_dir.is_dir():
            return
        try:
            self.path.parent.mkdir(mode=0o755, exist_ok=True)
        except OSError:
            return
        if not self._only_regular_files():
            return
        for attempt in range(2):
            try:
                self._db = self._connect()
                return
            except sqlite3.DatabaseError:
                self._close_db()
                if attempt or not self._remove_damaged():
                    return

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are opened explicitly.
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # A replaced row fires the delete trigger too (counts stay right).
            db.execute("PRAGMA recursive_triggers=ON")
            db.execute("BEGIN IMMEDIATE")
            version = None
            has_info = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='info'"
            ).fetchone()
            if has_info:
                row = db.execute("SELECT value FROM info WHERE name='version'").fetchone()
                version = row[0] if row else None
            if version != str(INDEX_VERSION):
                for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall():
                    db.execute(f'DROP TABLE "{name}"')
                for stmt in _statements(_SCHEMA):
                    db.execute(stmt)
                db.execute("INSERT OR REPLACE INTO info VALUES ('version', ?)", (str(INDEX_VERSION),))
                db.execute("INSERT OR REPLACE INTO info VALUES ('generation', ?)", (os.urandom(8).hex(),))
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        try:
            os.chmod(self.path, 0o644)  # readable like the rest of the runs dir
        except OSError:
            pass
        return db

    def _only_regular_files(self) -> bool:
        """SQLite would block forever reading a FIFO and happily read a link
        to a device: anything at the index's paths that is not a regular
        file is removed first (it is only a cache). False when it stays."""
        for suffix in ("", "-wal", "-shm"):
            path = f"{self.path}{suffix}"
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                continue
            except OSError:
                return False
            if not stat.S_ISREG(mode):
                try:
                    os.unlink(path)
                except OSError:
                    return False
        return True

    def _remove_damaged(self) -> bool:
        """Remove a damaged index so it can be rebuilt; False when that is
        not possible (not a file, no permission)."""
        if not self.path.is_file():
            return False
        removed = False
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
                removed = True
            except FileNotFoundError:
                pass
            except OSError:
                return False
        return removed

    def _close_db(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def close(self) -> None:
        self._close_db()

    def __enter__(self) -> RunIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def usable(self) -> bool:
        return self._db is not None

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.DatabaseError:
            self._damaged()
            return []

    def _iter(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple]:
        """Rows of a query of ours: damage empties the index and ends the rows."""
        try:
            yield from self._rows(sql, params)
        except IndexQueryError:
            pass

    def _select(self, sql: str, params: Iterable[Any]) -> Iterator[tuple]:
        """Rows of a query built from a user's filter: a query SQLite
        refuses (too deep, too many values, locked, text it cannot hold)
        raises ``IndexQueryError`` instead of counting as damage."""
        if self._db is None:
            raise IndexQueryError("no index")
        yield from self._rows(sql, params, refusal=(sqlite3.OperationalError, UnicodeEncodeError))

    def _rows(
        self, sql: str, params: Iterable[Any], refusal: tuple[type[Exception], ...] = ()
    ) -> Iterator[tuple]:
        """Rows of ``sql``; an error in ``refusal`` raises ``IndexQueryError``,
        other database errors count as damage (and raise it too)."""
        db = self._db
        if db is None:
            return
        try:
            # Not ``yield from``: a reader that stops early would close the
            # cursor when the generator is collected, maybe after the
            # connection, and that error is no damage.
            for row in db.execute(sql, tuple(params)):  # noqa: UP028 (see the comment)
                yield row
        except refusal as e:
            # Refused (too complex, locked), or a value SQLite cannot hold
            # (a lone surrogate from a terminal's undecodable bytes).
            raise IndexQueryError(str(e)) from None
        except sqlite3.DatabaseError:
            if self._db is db:  # not closed or replaced while read
                self._damaged()
            raise IndexQueryError("damaged index") from None

    def _damaged(self) -> None:
        """The file went bad while open: start over with an empty index."""
        self._close_db()
        if self._remove_damaged():
            try:
                self._db = self._connect()
            except sqlite3.DatabaseError:
                self._close_db()

    # -- reading --------------------------------------------------------

    def info(self, name: str) -> str | None:
        rows = self._query("SELECT value FROM info WHERE name=?", (name,))
        return rows[0][0] if rows else None

    def rows(self) -> dict[str, tuple[str | None, str | None]]:
        """``{id: (key, record)}`` for every row."""
        return {rid: (key, rec) for rid, key, rec in self._iter("SELECT id, key, record FROM runs")}

    def entries(self) -> dict[str, int]:
        """``{id: entries_signature(...)}`` as the rows saw the runs dir."""
        return dict(self._iter("SELECT id, entries FROM runs"))

    def ids(self) -> set[str]:
        return {rid for (rid,) in self._iter("SELECT id FROM runs")}

    def get(self, ids: Iterable[str]) -> list[IndexRow]:
        out: list[IndexRow] = []
        ids = [rid for rid in ids if _storable(rid)]
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            out.extend(self._query(
                f"SELECT id, key, record FROM runs WHERE id IN ({','.join('?' * len(part))})", part
            ))
        return out

    def volatile(self) -> list[IndexRow]:
        """Rows that may change without the runs dir changing: not trusted
        (key NULL) or of runs that have not finished."""
        return self._query("SELECT id, key, record FROM runs WHERE volatile = 1")

    def newest(self, containers: tuple[str, ...] | None) -> Generator[IndexRow, None, None]:
        """Rows of runs, newest first (timestamp, then id), in the given
        containers (all when None)."""
        # One container reads one ordered range of the (container, ts, id) index.
        in_sql, in_params = self._in_containers(containers)
        yield from self._iter(
            f"SELECT id, key, record FROM runs WHERE is_run{in_sql} ORDER BY ts DESC, id DESC", in_params
        )

    def add_functions(self, functions: dict[str, tuple[int, Any]]) -> None:
        """Make Python functions ``{name: (arity, fn)}`` callable in SQL."""
        if self._db is None:
            return
        for name, (arity, fn) in functions.items():
            self._db.create_function(name, arity, fn, deterministic=True)

    @staticmethod
    def _in_containers(containers: tuple[str, ...] | None) -> tuple[str, tuple]:
        if containers is None:
            return "", ()
        return f" AND container IN ({','.join('?' * len(containers))})", tuple(containers)

    def matching(
        self, containers: tuple[str, ...] | None, where: tuple[str, tuple], sure: tuple[str, tuple] = ("1", ())
    ) -> Iterator[tuple[str, str | None, str | None, str | None, str | None, int]]:
        """``(id, key, record, project_dir, project_id, is_sure)`` of the
        runs in ``containers`` whose rows satisfy the SQL condition
        ``where`` (text and parameters), newest first; ``is_sure`` is the
        value of condition ``sure`` for the row."""
        in_sql, in_params = self._in_containers(containers)
        yield from self._select(
            f"SELECT id, key, record, project_dir, project_id, ({sure[0]}) FROM runs "
            f"WHERE is_run{in_sql} AND ({where[0]}) ORDER BY ts DESC, id DESC",
            (*sure[1], *in_params, *where[1]),
        )

    def count_matching(
        self, containers: tuple[str, ...] | None, where: tuple[str, tuple]
    ) -> list[tuple[str | None, str | None, int]]:
        """``(project_dir, project_id, count)`` of the runs in
        ``containers`` whose rows satisfy ``where``."""
        in_sql, in_params = self._in_containers(containers)
        return list(self._select(
            f"SELECT project_dir, project_id, count(*) FROM runs WHERE is_run{in_sql} AND ({where[0]}) "
            "GROUP BY project_dir, project_id",
            (*in_params, *where[1]),
        ))

    def written_since(self, mark: tuple[str, int] | None) -> tuple[tuple[str, int], list[str]]:
        """``(mark, ids)``: a mark for now (the index's generation and the
        number of its last write), and the ids of the rows written since
        ``mark`` (none when ``mark`` is None: the first look only marks)."""
        info = dict(self._query("SELECT name, value FROM info WHERE name IN ('generation', 'writes')"))
        now = (str(info.get("generation")), int(info.get("writes") or 0))
        if mark is None or now == mark:
            return now, []
        since = mark[1] if mark[0] == now[0] else 0  # a rebuilt index: every row is news
        return now, [rid for (rid,) in self._query("SELECT id FROM runs WHERE written > ?", (since,))]

    def project_counts(self, containers: tuple[str, ...] | None) -> list[tuple[str | None, str | None, int]]:
        """``(project_dir, project_id, count)`` groups of runs, kept up to
        date by triggers (no scan of the runs)."""
        rows = self._query("SELECT container, project_dir, project_id, n FROM counts WHERE n > 0")
        return [
            (pdir or None, pid or None, n)
            for container, pdir, pid, n in rows
            if containers is None or container in containers
        ]

    # -- writing --------------------------------------------------------

    def write(
        self,
        put: Iterable[tuple[str, list[int] | None, Run | None]] = (),
        delete: Iterable[str] = (),
        info: dict[str, str | None] | None = None,
    ) -> bool:
        """Store rows ``(id, key, run or None for "not a run")``, remove
        rows, set info values; one transaction. False when nothing could
        be written (the index is unusable or locked for too long)."""
        if self._db is None:
            return False
        # A run whose id is no UTF-8 (a file name of other bytes) cannot
        # be a row: it is read from its files each time.
        values = [_row_values(rid, key, run) for rid, key, run in put if _storable(rid)]
        delete_rows = [(rid,) for rid in delete if _storable(rid)]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if values:
                    # One number per write, counted in info: a row replaced
                    # or added carries a number no earlier row had.
                    self._db.execute(
                        "INSERT INTO info VALUES ('writes', 1) "
                        "ON CONFLICT DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                    self._db.executemany(
                        "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                        "(SELECT CAST(value AS INTEGER) FROM info WHERE name='writes'))",
                        values,
                    )
                if delete_rows:
                    self._db.executemany("DELETE FROM runs WHERE id=?", delete_rows)
                for name, value in (info or {}).items():
                    if value is None:
                        self._db.execute("DELETE FROM info WHERE name=?", (name,))
                    else:
                        self._db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (name, value))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError:
            return False  # locked for too long, disk full, read-only: a cache can skip a write
        except sqlite3.DatabaseError:
            self._damaged()
            return False
        return True


def entries_signature(kind: int, sidecars: Iterable[bool]) -> int:
    """One number for the runs-dir entries of a run: the form of its meta
    (``run_key``'s first value) and which sidecars exist."""
    sig = kind << 4
    for bit, present in enumerate(sidecars):
        if present:
            sig |= 1 << bit
    return sig


def _row_values(run_id: str, key: list[int] | None, run: Run | None) -> tuple:
    entries = -1 if key is None else entries_signature(key[0], (bool(mt) for mt in key[4:8]))
    if run is None:
        return (run_id, key_text(key), entries, 0, *(None,) * 11, 1)
    record = seal_record(run_id, json.dumps(run_to_record(run), separators=(",", ":"), default=str))
    texts = [
        run.status, run.container, run.project_dir, run.project_id, run.opref.name, run.label, run.name,
        run.opref.namespace, json.dumps(list(run.tags), ensure_ascii=False),
    ]
    plain = all(_storable(t) for t in texts)
    if not plain:
        texts = [_column_text(t) for t in texts]
    return (run_id, key_text(key), entries, 1, _clamp(run.timestamp or 0), *texts, record, int(plain))


def _storable(value) -> bool:
    """False for text SQLite cannot hold as it is: lone surrogates, as
    Python makes from file names and JSON escapes that are not UTF-8."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _column_text(value):
    if _storable(value):
        return value
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _clamp(ts: int) -> int:
    """A timestamp SQLite can store (a damaged meta may hold any number)."""
    return max(-(1 << 63), min(ts, (1 << 63) - 1)) if isinstance(ts, int) else 0
