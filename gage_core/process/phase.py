"""Run one exec phase of a run with its output captured.

The command starts in the run dir, in its own session and process group,
stdin from ``/dev/null``, stdout and stderr on separate pipes read with a
selector into an ``OutputWriter``. Reads are large (up to 1 MiB; the pipes
are enlarged) and, when a read came back small, the loop pauses ~10 ms so
a chatty program is read in big chunks instead of one wake-up per line.

Orphan protection: the child gets ``PR_SET_PDEATHSIG=SIGKILL`` (Linux,
when ``pdeathsig=True``: only safe in a single-threaded parent), and a tiny
guard shell (its own session, ignoring INT/TERM/HUP) blocks reading a pipe
whose write end only this process holds. When this process ends, however
it ends, the guard reads EOF and SIGKILLs the child's whole process group,
so grandchildren of a shell command never linger either.
"""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gage_core.process.output import STDERR, STDOUT, OutputWriter

__all__ = ["PhaseResult", "PhaseProcess", "command_args", "phase_env", "read_env_json"]

_READ_SIZE = 1 << 20
_SMALL_READ = 1 << 16
_PAUSE = 0.01
_F_SETPIPE_SZ = 1031
_DRAIN_AFTER_EXIT = 0.5
_WRITE_ERROR_GRACE = 2.0


@dataclass(frozen=True)
class PhaseResult:
    exit_code: int
    stop_signal: int | None  # set when a stop was requested
    lines: int
    write_error: OSError | None = None  # the output could not be written (disk full)


def command_args(cmd) -> list[str]:
    """Argument list for a phase command: a list runs as is; a string runs
    with ``/bin/sh -c``; a string whose first line is ``#!INTERP`` runs as
    ``INTERP -c <the other lines>`` (newlines kept)."""
    if isinstance(cmd, (list, tuple)):
        return [str(a) for a in cmd]
    text = str(cmd)
    if text.startswith("#!"):
        first, _, rest = text.partition("\n")
        interp = shlex.split(first[2:].strip())
        if interp:
            return interp + ["-c", rest]
    return ["/bin/sh", "-c", text]


def phase_env(
    run_id: str,
    run_dir: str | os.PathLike,
    project_dir: str | os.PathLike | None,
    extra: dict | None = None,
    base: dict | None = None,
) -> dict[str, str]:
    """Environment of a phase: the inherited env, then ``extra`` (the run's
    ``proc/env.json``), then Gage's own variables, which always win (Gage
    0.1.2 let an inherited ``RUN_DIR`` override them)."""
    env = dict(os.environ if base is None else base)
    for k, v in (extra or {}).items():
        env[str(k)] = str(v)
    gage = {
        "RUN_ID": run_id,
        "RUN_DIR": str(run_dir),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if project_dir:
        gage["PROJECT_DIR"] = str(project_dir)
    for k, v in list(gage.items()):
        if k in ("RUN_ID", "RUN_DIR", "PROJECT_DIR"):
            gage[k.lower()] = v
    env.update(gage)
    return env


def _pdeathsig_preexec():
    """preexec_fn that asks Linux to SIGKILL the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def preexec():
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG

    return preexec


class PhaseProcess:
    """One phase: ``start()``, then ``capture()`` until it ends.

    ``on_lines(block)`` gets complete lines; ``on_chunk(data)`` every raw
    chunk (progress). ``request_stop(sig, grace)`` (signal-handler safe)
    forwards ``sig`` to the process group and SIGKILLs it after ``grace``.
    """

    def __init__(
        self,
        args: list[str],
        cwd: str | os.PathLike,
        env: dict[str, str],
        output_path: str | os.PathLike,
        *,
        on_lines: Callable[[bytes], None] | None = None,
        on_chunk: Callable[[int, bytes], None] | None = None,
        on_started: Callable[[int], None] | None = None,
        pdeathsig: bool = False,
    ):
        self.args = args
        self.cwd = cwd
        self.env = env
        self.output_path = Path(output_path)
        self.on_lines = on_lines
        self.on_chunk = on_chunk
        self.on_started = on_started
        self.pdeathsig = pdeathsig
        self.proc: subprocess.Popen | None = None
        self.stop_signal: int | None = None
        self._kill_at: float | None = None
        self._guard_w: int | None = None
        self._guard: subprocess.Popen | None = None
        self.write_error: OSError | None = None

    # -- control -----------------------------------------------------------

    def start(self, writer: OutputWriter) -> None:
        preexec = _pdeathsig_preexec() if self.pdeathsig else None
        try:
            self.proc = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=preexec,
                bufsize=0,
            )
        except OSError as e:
            writer.write(STDERR, f"gage: cannot start {self.args[0]!r}: {e.strerror or e}\n".encode())
            raise
        self._start_guard(self.proc.pid)
        if self.on_started is not None:
            self.on_started(self.proc.pid)

    def _start_guard(self, pgid: int) -> None:
        r, w = os.pipe()
        try:
            script = f'trap "" INT TERM HUP; read _ <&{r}; kill -9 -{pgid} 2>/dev/null'
            self._guard = subprocess.Popen(
                ["/bin/sh", "-c", script, "gage-guard"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(r,),
                start_new_session=True,
            )
            self._guard_w = w
        except OSError:
            os.close(w)
        finally:
            os.close(r)

    def _release_guard(self) -> None:
        """Close the guard pipe: the guard SIGKILLs whatever is left of the
        group (background processes of the command), then exits."""
        if self._guard_w is not None:
            os.close(self._guard_w)
            self._guard_w = None
        if self._guard is not None:
            try:
                self._guard.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._guard = None

    def request_stop(self, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
        """Send ``sig`` to the process group; SIGKILL after ``grace`` seconds."""
        if self.stop_signal is None:
            self.stop_signal = sig
        self._kill_at = time.monotonic() + max(0.0, grace)
        self._signal_group(sig)

    def _signal_group(self, sig: int) -> None:
        # Safe by construction: the child is reaped only after the last
        # group signal (see ``_wait``), so until then its zombie keeps the
        # PID and the group id from being given to another process.
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    # -- capture -----------------------------------------------------------

    def capture(self, writer: OutputWriter) -> PhaseResult:
        """Read output until the child exits and the pipes close; returns the
        exit code (negative signal number when stopped or killed)."""
        proc = self.proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        sel = selectors.DefaultSelector()
        for f, stream in ((proc.stdout, STDOUT), (proc.stderr, STDERR)):
            fd = f.fileno()
            try:
                import fcntl

                fcntl.fcntl(fd, _F_SETPIPE_SZ, _READ_SIZE)
            except (OSError, ImportError):
                pass
            sel.register(fd, selectors.EVENT_READ, stream)
        open_fds = 2
        exited_at: float | None = None
        on_lines, on_chunk = self.on_lines, self.on_chunk
        try:
            while open_fds:
                small = False
                for key, _ev in sel.select(timeout=0.1):
                    try:
                        data = os.read(key.fd, _READ_SIZE)
                    except InterruptedError:
                        continue
                    if not data:
                        sel.unregister(key.fd)
                        open_fds -= 1
                        continue
                    if self.write_error is not None:
                        continue  # output lost: drain the pipes until the child ends
                    try:
                        block = writer.write(key.data, data)
                    except OSError as e:
                        # Disk full (ENOSPC, EDQUOT, EFBIG): the output can no
                        # longer be recorded, so the run cannot go on.
                        self.write_error = e
                        self.request_stop(signal.SIGTERM, _WRITE_ERROR_GRACE)
                        continue
                    if on_lines is not None and block:
                        on_lines(block)
                    if on_chunk is not None:
                        on_chunk(key.data, data)
                    if len(data) < _SMALL_READ:
                        small = True
                now = time.monotonic()
                if self._kill_at is not None and now >= self._kill_at:
                    self._signal_group(signal.SIGKILL)
                    self._kill_at = None
                if exited_at is None and _exited_unreaped(proc):
                    exited_at = now
                if exited_at is not None and now - exited_at > _DRAIN_AFTER_EXIT:
                    # The child is gone but something in its group still
                    # holds the pipes: end the group, drain briefly, stop.
                    self._release_guard()
                    self._signal_group(signal.SIGKILL)
                    if now - exited_at > _DRAIN_AFTER_EXIT + 2.0:
                        break
                if small and open_fds:
                    time.sleep(_PAUSE)
        finally:
            sel.close()
            proc.stdout.close()
            proc.stderr.close()
        code = self._wait(proc)
        self._release_guard()
        if self.stop_signal is not None and code >= 0:
            code = -int(self.stop_signal)
        return PhaseResult(code, self.stop_signal, writer.lines, self.write_error)

    def _wait(self, proc: subprocess.Popen) -> int:
        while not _exited_unreaped(proc):
            if self._kill_at is not None and time.monotonic() >= self._kill_at:
                self._signal_group(signal.SIGKILL)
                self._kill_at = None
            time.sleep(0.05)
        # The guard kills what is left of the group while the child's zombie
        # still reserves its group id; only then is the child reaped.
        self._release_guard()
        return proc.wait()


def _exited_unreaped(proc: subprocess.Popen) -> bool:
    """True once the child has exited, without reaping it (``WNOWAIT``)."""
    if proc.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere
        return True


def read_env_json(meta_dir: str | os.PathLike) -> dict:
    try:
        data = json.loads((Path(meta_dir) / "proc" / "env.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
