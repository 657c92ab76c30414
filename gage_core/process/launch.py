"""Start a staged run's runner: detached (UI, ``gage run --background``) or
in the foreground with live echo (``gage run``).

The runner always gets its own session, so closing a terminal or the TUI
never reaches it; in the foreground Ctrl-C is caught here and forwarded
(SIGINT to the runner: the run is stopped and recorded with exit ``-2``;
a second Ctrl-C kills the run's process group).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gage_core.process import metafiles as mf
from gage_core.process.output import STDERR, RunOutputFollower
from gage_core.store.safe_text import final_line_state

__all__ = [
    "runner_args",
    "start_detached",
    "run_foreground",
    "wait_for_exit",
    "run_paths",
    "launch_detached",
]

_ECHO_PHASES = ("40_run", "50_finalize")


def run_paths(run) -> tuple[Path, Path]:
    """(run dir, meta dir) of a ``Run``, a run dir path or a meta dir path."""
    run_dir = Path(getattr(run, "run_dir", run))
    if run_dir.name.endswith(".meta"):
        run_dir = run_dir.with_name(run_dir.name[: -len(".meta")])
    return run_dir, run_dir.with_name(run_dir.name + ".meta")


def runner_args(run, grace: float | None = None) -> list[str]:
    run_dir, _ = run_paths(run)
    args = [sys.executable, "-m", "gage_core.process.runner", str(run_dir)]
    if grace is not None:
        args += ["--grace", str(grace)]
    return args


def _claim_lock(meta_dir: Path, pid: int) -> None:
    """Write a runner lock unless the runner already wrote its own (atomic
    create-if-absent), so the run reads ``running`` from this moment on."""
    lock = meta_dir / "proc" / "lock"
    ct = mf.process_create_time(pid)
    tmp = lock.with_name(f".lock.{os.getpid()}.claim")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(f"runner {pid} {ct!r}\n" if ct is not None else f"runner {pid}\n")
        os.link(tmp, lock)
    except OSError:
        pass
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def _popen_runner(run, grace, stderr) -> subprocess.Popen:
    run_dir, meta_dir = run_paths(run)
    if not meta_dir.is_dir():
        from gage_core.errors import RunStateError

        raise RunStateError(f"run {run_dir.name} has no meta directory")
    env = dict(os.environ)
    env.setdefault("PARENT_PWD", os.getcwd())
    proc = subprocess.Popen(
        runner_args(run, grace),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
        close_fds=True,
        env=env,
    )
    _claim_lock(meta_dir, proc.pid)
    return proc


def start_detached(run, grace: float | None = None) -> int:
    """Start the runner in its own session with stdio on /dev/null and
    return its PID. It survives this process; a daemon thread reaps it if
    this process lives longer than the run (no zombies in a long TUI)."""
    proc = _popen_runner(run, grace, subprocess.DEVNULL)
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    return proc.pid


def launch_detached(
    project,
    opdef,
    config,
    *,
    label: str | None = None,
    tags=(),
    comment: str | None = None,
    store=None,
    status: Callable[[str], None] | None = None,
) -> str:
    """init + stage + ``start_detached`` in one call (the TUI's launch);
    returns the run id. Staging runs in the calling thread (use a worker);
    errors are ``GageError``s and leave the run recorded as ended."""
    from gage_core.staging.lifecycle import init_run, stage_run

    run_id = init_run(project, opdef, config, label=label, tags=tags, comment=comment)
    stage_run(project, run_id, opdef, config, store=store, status=status)
    start_detached(Path(project.runs_dir) / run_id)
    return run_id


def _writer(stream):
    buf = getattr(stream, "buffer", None)
    if buf is not None:
        return lambda data: buf.write(data), buf.flush
    return (lambda data: stream.write(data.decode("utf-8", errors="replace"))), stream.flush


_ECHO_BATCH = 10_000


class _Echo:
    """Copies new run output lines to out/err as they appear. When ``err``
    is a terminal and the op reports progress, the latest progress is kept
    on a status line (cleared before output lines are written)."""

    def __init__(self, meta_dir: Path, out, err):
        self.follower = RunOutputFollower(meta_dir, _ECHO_PHASES)
        self.out_write, self.out_flush = _writer(out)
        self.err_write, self.err_flush = _writer(err)
        self.progress_path = meta_dir / "progress"
        self.show_progress = _isatty(err)
        self._progress_mtime = 0
        self._status_shown = False

    def poll(self, final: bool = False) -> None:
        while True:
            # A bounded batch at a time: a backlog never sits in memory whole.
            lines = self.follower.poll(final, max_lines=_ECHO_BATCH)
            if lines and self._status_shown:
                self._clear_status()
            for _name, line in lines:
                # A progress line is shown as it ended (raw bytes stay on disk).
                data = final_line_state(line.data)
                (self.err_write if line.stream == STDERR else self.out_write)(data)
            if lines:
                self.out_flush()
                self.err_flush()
            if len(lines) < _ECHO_BATCH:
                break
        if self.show_progress and not final:
            self._progress()

    def _progress(self) -> None:
        try:
            mtime = self.progress_path.stat().st_mtime_ns
        except OSError:
            return
        if mtime == self._progress_mtime and self._status_shown:
            return
        self._progress_mtime = mtime
        from gage_core.process.progress import read_progress

        p = read_progress(self.progress_path.parent)
        if not p:
            return
        amount = f" {p['n']}/{p['total']}" if p.get("n") is not None and p.get("total") else ""
        self.err_write(f"\r\x1b[K[{p.get('phase')}] {p.get('percent', 0):3}%{amount}".encode())
        self.err_flush()
        self._status_shown = True

    def _clear_status(self) -> None:
        self.err_write(b"\r\x1b[K")
        self.err_flush()
        self._status_shown = False

    def close(self) -> None:
        if self._status_shown:
            self._clear_status()
        self.follower.close()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wait_for_exit(meta_dir: Path, timeout: float | None = None) -> int | None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        code = mf.read_exit(meta_dir)
        if code is not None or (deadline is not None and time.monotonic() > deadline):
            return code
        time.sleep(0.05)


def run_foreground(
    run,
    echo: bool = True,
    *,
    out=None,
    err=None,
    grace: float | None = None,
    poll_interval: float = 0.05,
    on_interrupt: Callable[[int], None] | None = None,
) -> int:
    """Run the runner as a child and echo its output live; returns the
    run's exit code. Ctrl-C: first stops the run (SIGINT forwarded, exit
    -2), second kills its process group; ``on_interrupt(n)`` is told."""
    from gage_core.process.stop import interrupt_run

    _, meta_dir = run_paths(run)
    proc = _popen_runner(run, grace, None)
    echo_obj = _Echo(meta_dir, out or sys.stdout, err or sys.stderr) if echo else None
    interrupts = 0
    try:
        while True:
            try:
                done = proc.poll() is not None
                if echo_obj is not None:
                    echo_obj.poll(final=done)
                if done:
                    break
                time.sleep(poll_interval)
            except KeyboardInterrupt:
                interrupts += 1
                if on_interrupt is not None:
                    on_interrupt(interrupts)
                interrupt_run(proc.pid, meta_dir, interrupts)
    finally:
        if echo_obj is not None:
            echo_obj.close()
    code = mf.read_exit(meta_dir)
    return code if code is not None else 1
