"""Stop a running run: ``stop_run(run, grace)``.

With a live runner: SIGTERM to the runner (it forwards SIGTERM to the
run's process group and records the exit as -15); after ``grace`` seconds
the group is SIGKILLed, then the runner. Without a live runner (it was
killed, only the lock is left, or the run is Gage 0.1.2's): the child's
group gets SIGTERM, then SIGKILL after the grace, and the exit is recorded
here. A remote run whose proxy is gone (``detached``) has its job
stopped by a proxy started for the purpose. Either way the run ends with ``proc/exit`` < 0 and no lock.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from gage_core.errors import RunStateError
from gage_core.process import metafiles as mf

__all__ = ["stop_run", "request_stop", "kill_run_group", "interrupt_run", "read_lock"]


def read_lock(meta_dir: Path):
    from gage_core.store.status import parse_lock

    lock = meta_dir / "proc" / "lock"
    try:
        written = lock.stat().st_mtime
        return parse_lock(lock.read_bytes(), written)
    except OSError:
        return ()


def _live(entry) -> bool:
    from gage_core.store.status import entry_alive

    return entry_alive(entry)


def _signal_group(entry, sig: int) -> None:
    """Signal the child's process group (our children lead one); a Gage
    0.1.2 child is signalled alone."""
    try:
        if entry.role == "child" and os.getpgid(entry.pid) == entry.pid:
            os.killpg(entry.pid, sig)
        else:
            os.kill(entry.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_run_group(meta_dir: str | os.PathLike) -> None:
    """SIGKILL the run's child process group (if alive)."""
    for entry in read_lock(Path(meta_dir)):
        if entry.role in ("child", "pid") and _live(entry):
            _signal_group(entry, signal.SIGKILL)


def interrupt_run(pid: int | None, meta_dir: str | os.PathLike, n: int) -> None:
    """The ``n``-th Ctrl-C for a run we started (runner ``pid``): the first
    forwards SIGINT to the runner (it stops the run, exit -2), later ones
    SIGKILL the run's process group."""
    if n == 1:
        if pid is not None:
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    else:
        kill_run_group(meta_dir)


def _wait_dead(entries, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if not any(_live(e) for e in entries):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def stop_run(run, grace: float = 10.0) -> int:
    """Stop the run; returns its recorded exit code. Raises
    ``RunStateError`` when the run is not running."""
    from gage_core.process.launch import run_paths

    run_dir, meta_dir = run_paths(run)
    existing = mf.read_exit(meta_dir)
    entries = read_lock(meta_dir)
    if existing is not None or not entries:
        raise RunStateError(f"run {run_dir.name} is not running")
    runner = [e for e in entries if e.role == "runner" and _live(e)]
    if not runner:
        from gage_core.process.executors.proxy import has_remote_handle, stop_detached

        if has_remote_handle(run_dir):
            # A detached remote run: its job is on the cluster, not here.
            return stop_detached(run_dir, grace)
    children = [e for e in entries if e.role in ("child", "pid")]
    if runner:
        try:
            os.kill(runner[0].pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if not _wait_dead(runner, grace):
            for c in children:
                if _live(c):
                    _signal_group(c, signal.SIGKILL)
            if not _wait_dead(runner, 5.0):
                try:
                    os.kill(runner[0].pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _wait_dead(runner, 2.0)
    else:
        live = [c for c in children if _live(c)]
        for c in live:
            _signal_group(c, signal.SIGTERM)
        if not _wait_dead(live, grace):
            for c in live:
                _signal_group(c, signal.SIGKILL)
            _wait_dead(live, 2.0)
    code = mf.read_exit(meta_dir)
    if code is None:
        # Nobody is left to record the end: do it here.
        code = -int(signal.SIGTERM)
        mf.release_space(meta_dir)  # left by a killed runner
        mf.log_line(meta_dir, f"Run stopped by gage stop; exit recorded as {code}")
        try:
            if not (meta_dir / "stopped").exists():
                mf.write_timestamp(meta_dir, "stopped")
            from gage_core.process.files import set_readonly

            set_readonly(run_dir)  # a finished run's files, as the runner would
            mf.write_exit(meta_dir, code)
        finally:
            mf.remove_lock(meta_dir)
        set_readonly(meta_dir)
    return code


def request_stop(run) -> bool:
    """Non-blocking stop for UIs: SIGTERM to a live runner, which forwards
    it and escalates to SIGKILL after its own grace period (``--grace``,
    default 10 s). Returns False when there was no live runner; then the
    (blocking) ``stop_run`` is the way."""
    from gage_core.process.launch import run_paths

    _run_dir, meta_dir = run_paths(run)
    if mf.read_exit(meta_dir) is not None:
        return False
    for e in read_lock(meta_dir):
        if e.role == "runner" and _live(e):
            try:
                os.kill(e.pid, signal.SIGTERM)
                return True
            except ProcessLookupError:
                return False
    return False
