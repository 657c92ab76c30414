"""The proxy runner: follows a remote run's job from this machine.

Started exactly like the local runner (``python -m
gage_core.process.runner RUN_DIR``, which hands a run with a remote
handle to ``ProxyRunner``), it owns the run's meta the same way: the lock
holds its PID, so the run reads ``running`` while it follows the job, and
SIGTERM/SIGINT/SIGHUP (``gage stop``, Ctrl-C, the workbench's stop) stop
the job with the grace period. It:

1. submits the staged run unless its handle says it was (a re-attached
   proxy never submits twice);
2. streams the job's log into ``output/40_run`` and its index as it
   arrives (everything one stream: the job's log merges stdout and
   stderr), feeding the output summary like the runner does;
3. when the job ends, fetches the run's exact files and meta from the
   store and puts them in place of the streamed copy (true stdout/stderr
   split, summary, manifest, exit code). A job that left no copy keeps
   the streamed output and gets its exit from the job's status.

A proxy killed while its job runs leaves the run ``detached``; starting
a proxy again (``gage run --attach``) catches up from the log's start.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path

from gage_core.errors import GageError
from gage_core.process import metafiles as mf
from gage_core.process.executors.base import (
    EXECUTOR_FILE,
    Executor,
    ExecutorError,
    ExecutorHandle,
    JobState,
    executor_for,
    read_handle,
    write_handle,
)
from gage_core.process.executors.remote import BEGIN, END
from gage_core.process.output import STDOUT, OutputWriter
from gage_core.process.runner import Runner, load_opdef
from gage_core.process.summary import SummaryParser

__all__ = ["ProxyRunner", "LogFilter", "has_remote_handle", "stop_detached"]

# Meta files of this machine's proxy that the job's copy never replaces.
_LOCAL_META = ("proc/lock", "proc/exit", "proc/.reserve", EXECUTOR_FILE, ".copied")
_POLL_INTERVAL = 0.5
# After the job ended without its end line, how long the log may still
# bring lines.
_DRAIN = 2.0


def has_remote_handle(run_dir: str | os.PathLike) -> bool:
    from gage_core.process.launch import run_paths

    _run_dir, meta_dir = run_paths(run_dir)
    return (meta_dir / EXECUTOR_FILE).is_file()


def _at_line_start(block: bytes, marker: bytes) -> int:
    i = block.find(marker)
    while i > 0 and block[i - 1] != 0x0A:
        i = block.find(marker, i + 1)
    return i


class LogFilter:
    """The run's own lines out of a job's log: what lies between the
    begin and end marker lines. Returns complete lines only."""

    def __init__(self, run_id: str):
        self._begin = BEGIN + run_id.encode() + b"\n"
        self._end = END + run_id.encode() + b" "
        self._buf = bytearray()
        self.started = False
        self.ended = False
        self.end_code: int | None = None

    def feed(self, data: bytes) -> bytes:
        if self.ended:
            return b""
        self._buf += data
        cut = self._buf.rfind(b"\n")
        if cut < 0:
            return b""
        block = bytes(self._buf[: cut + 1])
        del self._buf[: cut + 1]
        if not self.started:
            i = _at_line_start(block, self._begin)
            if i < 0:
                return b""
            self.started = True
            block = block[i + len(self._begin):]
        j = _at_line_start(block, self._end)
        if j >= 0:
            line = block[j + len(self._end): block.index(b"\n", j)]
            try:
                self.end_code = int(line)
            except ValueError:
                self.end_code = None
            self.ended = True
            block = block[:j]
        return block


class ProxyRunner(Runner):
    """Runs a remote run's proxy (see the module doc). ``executor`` is
    the handle's own unless given (tests pass a fake)."""

    def __init__(
        self,
        run_dir: str | os.PathLike,
        grace: float = 10.0,
        *,
        executor: Executor | None = None,
        install_signals: bool = True,
    ):
        super().__init__(run_dir, grace)
        self.executor = executor
        self.install_signals = install_signals
        self.end_code: int | None = None

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """What a stop signal does, for callers in this process."""
        if self.stop_signal is None:
            self.stop_signal = signum

    def _on_signal(self, signum, _frame) -> None:
        self.request_stop(signum)

    def _other_proxy(self) -> bool:
        from gage_core.process.stop import read_lock
        from gage_core.store.status import pid_alive

        return any(
            e.role == "runner" and e.pid != os.getpid() and pid_alive(e.pid, e.create_time)
            for e in read_lock(self.meta_dir)
        )

    def run(self) -> int:
        meta = self.meta_dir
        refused = self._cannot_start("Proxy")
        if refused is not None:
            return refused
        if self._other_proxy():
            mf.log_line(meta, "Proxy: another proxy follows this run; not starting a second one")
            return 2
        if self.install_signals:
            self._install_signals()
        code: int | None = None
        fetched = False
        summary: SummaryParser | None = None
        opdef = None
        try:
            mf.write_lock(meta, os.getpid())
            mf.reserve_space(meta)
            if not (meta / "started").exists():
                mf.write_timestamp(meta, "started")
            handle = read_handle(meta)
            if handle is None or not handle.remote:
                raise ExecutorError(f"run {self.run_dir.name} has no remote executor handle")
            executor = self.executor or executor_for(handle, self.run_dir.parent)
            opdef = load_opdef(meta)
            summary = (
                SummaryParser(opdef.output_summary, opdef.progress.get("run"))
                if opdef is not None
                else SummaryParser(True)
            )
            if not handle.submitted:
                if self.stop_signal is not None:
                    code = -int(self.stop_signal)
                else:
                    mf.log_line(meta, f"Submitting the run to {handle.where()}")
                    handle = executor.submit(self.run_dir, handle, self.grace)
                    write_handle(meta, handle)
                    mf.log_line(meta, f"Submitted as job {handle.submission_id}")
            else:
                mf.log_line(meta, f"Attaching to job {handle.submission_id} on {handle.where()}")
            if code is None:
                state = self._follow(executor, handle, summary)
                # Where the job ran, whenever it became known (a short job
                # may end before a poll saw its node).
                handle = self._note_node(handle, state if state.node_id else self._poll_quietly(executor, handle, state))
                code, fetched = self._collect(executor, handle, state)
        except GageError as e:
            mf.log_line(meta, f"Proxy error: {e.message}" + (f" ({e.hint})" if e.hint else ""))
            print(f"gage: {e.message}", file=sys.stderr)
        except OSError as e:
            mf.log_line(meta, f"Proxy error: {e}")
        except BaseException as e:
            mf.log_line(meta, "Proxy error: " + "".join(traceback.format_exception(e)).rstrip())
        finally:
            try:
                if fetched and code is not None:
                    self._finish_fetched(code)
                else:
                    if code is None:
                        code = -int(self.stop_signal) if self.stop_signal else 1
                    if self.stop_signal is not None and code >= 0:
                        code = -int(self.stop_signal)
                    self._finish(code, summary, opdef)
            finally:
                self._restore_signals()
        return 0

    # -- following the job ---------------------------------------------------

    def _send_stop(self, executor: Executor, handle: ExecutorHandle) -> None:
        mf.log_line(self.meta_dir, f"Stopping job {handle.submission_id} (signal {self.stop_signal})")
        executor.stop(handle, self.grace)

    def _follow(self, executor: Executor, handle: ExecutorHandle, summary: SummaryParser) -> JobState:
        """Streams the job's log until its end line (or the job ended and
        the log went quiet); returns the job's last known state."""
        out = self.meta_dir / "output" / "40_run"
        # The log is replayed from its first line: a fresh copy, so a
        # re-attached proxy neither loses nor repeats lines.
        for path in (out, Path(f"{out}.index")):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        writer = OutputWriter(out)
        filt = LogFilter(handle.submission_id)
        stop_sent = False
        state: JobState | None = None
        last_poll = 0.0
        ended_at: float | None = None
        stream = executor.tail(handle)
        try:
            for chunk in stream:
                if self.stop_signal is not None and not stop_sent:
                    self._send_stop(executor, handle)
                    stop_sent = True
                if chunk:
                    block = filt.feed(chunk)
                    if block:
                        lines = writer.write(STDOUT, block)
                        if lines:
                            summary.feed(lines)
                    if filt.ended:
                        break
                now = time.monotonic()
                if now - last_poll >= _POLL_INTERVAL:
                    last_poll = now
                    state = executor.poll(handle)
                    handle = self._note_node(handle, state)
                    if state.terminal:
                        ended_at = ended_at or now
                        if state.phase == "lost" or now - ended_at > _DRAIN:
                            break
        finally:
            stream.close()
            writer.close()
        error = getattr(stream, "error", None)
        if error is not None and not filt.ended:
            mf.log_line(self.meta_dir, f"Job log stream ended: {error}")
        self.end_code = filt.end_code
        # The log ended early (a lost connection) or the job is exiting:
        # wait for its end, still honouring a stop.
        while not filt.ended and (state is None or not state.terminal):
            if self.stop_signal is not None and not stop_sent:
                self._send_stop(executor, handle)
                stop_sent = True
            if state is not None:
                time.sleep(_POLL_INTERVAL)
            state = executor.poll(handle)
            handle = self._note_node(handle, state)
        if state is None:
            state = executor.poll(handle)
        return state

    @staticmethod
    def _poll_quietly(executor: Executor, handle: ExecutorHandle, known: JobState) -> JobState:
        """One more look at the job for facts only (its node): a failure
        here changes nothing about how the run ends."""
        try:
            return executor.poll(handle)
        except (ExecutorError, OSError):
            return known

    def _note_node(self, handle: ExecutorHandle, state: JobState) -> ExecutorHandle:
        if state.node_id and state.node_id != handle.node_id:
            handle = handle.with_changes(node_id=state.node_id)
            write_handle(self.meta_dir, handle)
        return handle

    # -- the end -------------------------------------------------------------

    def _collect(self, executor: Executor, handle: ExecutorHandle, state: JobState) -> tuple[int, bool]:
        """(exit code, whether the job's own copy is in place)."""
        from gage_core.sync.runs import _remove
        from gage_core.sync.transfer import SyncError

        dest = self.run_dir.parent / f".{self.run_dir.name}.fetch"
        try:
            if dest.exists():
                _remove(dest)
            try:
                got = executor.fetch(handle, dest)
            except (SyncError, ExecutorError, OSError) as e:
                mf.log_line(self.meta_dir, f"Cannot fetch the run's files: {e}")
                got = None
            if got is not None:
                code = mf.read_exit(got[1])
                if code is not None:
                    self._install(*got)
                    mf.log_line(self.meta_dir, f"Fetched the run's files from {handle.store}")
                    return code, True
                mf.log_line(self.meta_dir, "The fetched copy has no exit code; keeping the streamed output")
            else:
                mf.log_line(self.meta_dir, f"The job left no copy at {handle.store}; keeping the streamed output")
        finally:
            if dest.exists():
                _remove(dest)
        return self._code_from_state(state), False

    def _code_from_state(self, state: JobState) -> int:
        if state.phase == "lost":
            mf.log_line(self.meta_dir, f"Job lost: {state.message} (was the cluster's head restarted?)")
            return -int(signal.SIGTERM)
        if self.end_code is not None:
            return self.end_code
        if state.phase == "succeeded":
            return 0
        if state.phase == "stopped":
            return -int(self.stop_signal or signal.SIGTERM)
        mf.log_line(self.meta_dir, f"Job {state.phase}: {state.message}".rstrip(": "))
        code = state.exit_code
        if code is not None and code > 128:
            return -(code - 128)
        return code if code else 1

    def _install(self, fetched_run: Path, fetched_meta: Path) -> None:
        """The job's copy in place of the local one. Symlinks of the local
        run dir stay (the job got copies of what they point to)."""
        from gage_core.sync.runs import _remove

        run_dir, meta = self.run_dir, self.meta_dir
        if run_dir.is_dir():
            for root, dirs, files in os.walk(run_dir):
                for name in dirs + files:
                    full = Path(root) / name
                    if full.is_symlink():
                        target = fetched_run / full.relative_to(run_dir)
                        if target.exists() or target.is_symlink():
                            _remove(target)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.symlink(os.readlink(full), target)
        if fetched_run.is_dir():
            old = run_dir.with_name(f".{run_dir.name}.old")
            if run_dir.exists():
                os.replace(run_dir, old)
            os.replace(fetched_run, run_dir)
            if old.exists():
                _remove(old)
        for root, _dirs, files in os.walk(fetched_meta):
            for name in files:
                src = Path(root) / name
                rel = src.relative_to(fetched_meta).as_posix()
                if rel in _LOCAL_META:
                    continue
                dst = meta / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                if rel == "log/runner":
                    lines = src.read_text(encoding="utf-8", errors="replace").splitlines()
                    mf.log_line(meta, "\n".join(f"job: {line}" for line in lines))
                    continue
                os.replace(src, dst)

    def _finish_fetched(self, code: int) -> None:
        meta = self.meta_dir
        self._ignore_stop_signals()
        mf.release_space(meta)
        if not (meta / "stopped").exists():
            try:
                mf.write_timestamp(meta, "stopped")
            except OSError as e:
                mf.log_line(meta, f"Cannot record the stop time: {e}")
        self._record_exit(code)


def stop_detached(run_dir: str | os.PathLike, grace: float) -> int:
    """``gage stop`` for a run whose proxy is gone: a proxy in this
    process stops the job and collects the run; returns its exit code."""
    proxy = ProxyRunner(run_dir, grace, install_signals=False)
    proxy.request_stop()
    proxy.run()
    code = mf.read_exit(proxy.meta_dir)
    return code if code is not None else -int(signal.SIGTERM)
