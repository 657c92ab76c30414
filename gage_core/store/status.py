"""Run status, first match wins (design.md):

1. ``proc/exit``: 0 completed, < 0 terminated, > 0 error
2. ``proc/lock`` with a live PID: running; with only dead PIDs: detached
   when the run executes remotely (``proc/executor.json``: its job may
   still run; re-attaching finds out), else terminated
3. ``staged``: staged
4. ``initialized``: pending
5. otherwise unknown

Lock format (contracts): lines ``runner <pid> <create_time>`` and
``child <pid> <create_time>``; a bare decimal PID is Gage 0.1.2's lock.
A PID is alive when the process exists, is not a zombie and, when the lock
gives a create time, the process's create time matches it (PID reuse).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gage_core.store.meta import MetaError, MetaReader

__all__ = [
    "STATUSES",
    "LockEntry",
    "StatusInfo",
    "parse_lock",
    "pid_alive",
    "lock_alive",
    "derive_status",
    "run_status",
    "status_for_exit",
]

STATUSES = ("running", "completed", "error", "terminated", "detached", "staged", "pending", "unknown")

# psutil create times can differ slightly between readers (boot time is
# re-read from the clock); PID reuse within this window is not a concern.
_CREATE_TIME_TOLERANCE = 1.0


@dataclass(frozen=True)
class LockEntry:
    role: str  # "runner", "child" or "pid" (Gage 0.1.2 bare PID)
    pid: int
    create_time: float | None = None


@dataclass
class StatusInfo:
    status: str
    exit_code: int | None = None
    lock: tuple[LockEntry, ...] = ()
    errors: list[str] = field(default_factory=list)


def parse_lock(text: str | bytes) -> tuple[LockEntry, ...]:
    """Entries of a lock file; unparsable lines are ignored."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    out = []
    for line in text.splitlines():
        parts = line.split()
        try:
            if len(parts) == 1:
                out.append(LockEntry("pid", int(parts[0])))
            elif len(parts) == 2:
                out.append(LockEntry(parts[0], int(parts[1])))
            elif len(parts) >= 3:
                out.append(LockEntry(parts[0], int(parts[1]), float(parts[2])))
        except ValueError:
            continue
    return tuple(out)


def pid_alive(pid: int, create_time: float | None = None) -> bool:
    """True when ``pid`` is a live (non-zombie) process whose create time
    matches ``create_time`` when given."""
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
        return True
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        # Exists but belongs to someone else: trust the PID only.
        return create_time is None


def lock_alive(entries: tuple[LockEntry, ...]) -> bool:
    return any(pid_alive(e.pid, e.create_time) for e in entries)


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
        entries = parse_lock(lock_bytes)
        if entries and lock_alive(entries):
            return StatusInfo("running", None, entries, errors)
        if entries or not errors:
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
    if meta.has("staged"):
        return StatusInfo("staged", None, (), errors)
    if meta.has("initialized"):
        return StatusInfo("pending", None, (), errors)
    return StatusInfo("unknown", None, (), errors)


def run_status(meta: MetaReader) -> str:
    return derive_status(meta).status
