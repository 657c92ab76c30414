"""Run status, first match wins:

1. ``proc/exit``: 0 completed, < 0 terminated, > 0 error
2. ``proc/lock`` with a live PID: running; with only dead PIDs: detached
   when the run executes remotely (``proc/executor.json``: its job may
   still run; re-attaching finds out), else terminated
3. ``staged``: staged
4. ``initialized``: pending, unless ``proc/launcher`` names a process that
   is gone (it died before staging ended): terminated
5. otherwise unknown

Between reading ``proc/exit`` and the lock, a runner may finish; before
saying terminated (dead lock) or falling past a vanished lock, ``proc/exit``
is read again, so a finishing run never reads terminated.

Lock format (contracts): lines ``runner <pid> <create_time>`` and
``child <pid> <create_time>``; a bare decimal PID is Gage 0.1.2's lock.
A PID is alive when the process exists, is not a zombie and is provably the
one the lock names: its create time matches the lock's, or, for an entry
without one (Gage 0.1.2), the process started before the lock was written
(a PID reused by a later process is not the run's). A process whose start
cannot be read is not proven, so never signalled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from gage_core.store.meta import MetaError, MetaReader

__all__ = [
    "STATUSES",
    "Status",
    "UNFINISHED",
    "LockEntry",
    "StatusInfo",
    "parse_lock",
    "pid_alive",
    "entry_alive",
    "lock_alive",
    "derive_status",
    "run_status",
    "status_for_exit",
]

class Status(str, Enum):
    """A run's status. Members are ``str`` so they compare equal to the
    plain strings runs carry (``run.status in UNFINISHED``)."""

    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"
    TERMINATED = "terminated"
    DETACHED = "detached"
    STAGED = "staged"
    PENDING = "pending"
    UNKNOWN = "unknown"


STATUSES = tuple(s.value for s in Status)

# Runs that may still change: watched, polled and followed by front ends.
# A detached run's job lives on a cluster with nobody following it.
UNFINISHED = frozenset(
    {Status.RUNNING.value, Status.DETACHED.value, Status.STAGED.value, Status.PENDING.value}
)

# psutil create times can differ slightly between readers (boot time is
# re-read from the clock); PID reuse within this window is not a concern.
_CREATE_TIME_TOLERANCE = 1.0


@dataclass(frozen=True)
class LockEntry:
    role: str  # "runner", "child" or "pid" (Gage 0.1.2 bare PID)
    pid: int
    create_time: float | None = None
    written: float | None = None  # the lock file's mtime (seconds)


@dataclass
class StatusInfo:
    status: str
    exit_code: int | None = None
    lock: tuple[LockEntry, ...] = ()
    errors: list[str] = field(default_factory=list)


def parse_lock(text: str | bytes, written: float | None = None) -> tuple[LockEntry, ...]:
    """Entries of a lock file written at ``written`` (its mtime);
    unparsable lines are ignored."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    out = []
    for line in text.splitlines():
        parts = line.split()
        try:
            if len(parts) == 1:
                out.append(LockEntry("pid", int(parts[0]), None, written))
            elif len(parts) == 2:
                out.append(LockEntry(parts[0], int(parts[1]), None, written))
            elif len(parts) >= 3:
                out.append(LockEntry(parts[0], int(parts[1]), float(parts[2]), written))
        except ValueError:
            continue
    return tuple(out)


def pid_alive(pid: int, create_time: float | None = None, started_before: float | None = None) -> bool:
    """True when ``pid`` is a live (non-zombie) process whose create time
    matches ``create_time`` when given, else is not after ``started_before``
    (when given)."""
    import psutil

    if pid <= 0:
        return False
    try:
        if not psutil.pid_exists(pid):
            return False
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if create_time is not None:
            return abs(proc.create_time() - create_time) < _CREATE_TIME_TOLERANCE
        if started_before is not None:
            return proc.create_time() <= started_before + _CREATE_TIME_TOLERANCE
        return True
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        # Exists but its start cannot be read: trust the PID only when
        # nothing could be compared anyway.
        return create_time is None and started_before is None


def entry_alive(entry: LockEntry) -> bool:
    """The entry's process is alive and provably the one the lock names."""
    return pid_alive(entry.pid, entry.create_time, entry.written)


def lock_alive(entries: tuple[LockEntry, ...]) -> bool:
    return any(entry_alive(e) for e in entries)


def status_for_exit(code: int) -> str:
    if code == 0:
        return "completed"
    return "terminated" if code < 0 else "error"


def derive_status(meta: MetaReader) -> StatusInfo:
    """Status of the run whose meta is ``meta``; never raises for corrupt
    files (they are described in ``errors`` and the best status derivable
    from the rest is returned)."""
    errors: list[str] = []
    exit_code = None
    try:
        exit_code = meta.read_int("proc/exit")
    except MetaError as e:
        errors.append(e.message)
    if exit_code is not None:
        return StatusInfo(status_for_exit(exit_code), exit_code, (), errors)
    try:
        lock_bytes = meta.read_bytes("proc/lock")
    except MetaError as e:
        errors.append(e.message)
        lock_bytes = None
    if lock_bytes is not None:
        entries = parse_lock(lock_bytes, meta.mtime("proc/lock"))
        if entries and lock_alive(entries):
            return StatusInfo("running", None, entries, errors)
        if entries or not errors:
            finished = _exit_written_meanwhile(meta)
            if finished is not None:
                return finished
            if not entries and lock_bytes.strip():
                errors.append("meta proc/lock is not a valid lock")
            # An empty lock is a runner caught mid-write or killed before
            # writing PIDs: nothing is running it. A remote run's job
            # outlives its local proxy.
            status = "detached" if meta.has("proc/executor.json") else "terminated"
            return StatusInfo(status, None, entries, errors)
    if errors:
        # proc/exit exists but is unreadable: the run ended, how is unknown.
        return StatusInfo("unknown", None, (), errors)
    if meta.has("started"):
        # The runner removed its lock after writing proc/exit, between
        # our two reads: the run has ended.
        finished = _exit_written_meanwhile(meta)
        if finished is not None:
            return finished
    if meta.has("staged"):
        return StatusInfo("staged", None, (), errors)
    if meta.has("initialized") or meta.has("opref"):
        launcher = _launcher(meta)
        if launcher is not None and not entry_alive(launcher):
            errors.append("the process that started the run ended before staging finished")
            return StatusInfo("terminated", None, (), errors)
    if meta.has("initialized"):
        return StatusInfo("pending", None, (), errors)
    return StatusInfo("unknown", None, (), errors)


def _exit_written_meanwhile(meta: MetaReader) -> StatusInfo | None:
    """A run that finished while its status was being read: its exit."""
    try:
        code = meta.read_int("proc/exit")
    except MetaError:
        return None
    return StatusInfo(status_for_exit(code), code, (), []) if code is not None else None


def _launcher(meta: MetaReader) -> LockEntry | None:
    """The process initialising/staging the run (``proc/launcher``)."""
    try:
        data = meta.read_bytes("proc/launcher")
    except MetaError:
        return None
    if data is None:
        return None
    entries = parse_lock(data, meta.mtime("proc/launcher"))
    return entries[0] if entries else None


def run_status(meta: MetaReader) -> str:
    return derive_status(meta).status
