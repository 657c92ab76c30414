"""The process that owns a run: ``python -m gage_core.process.runner RUN_DIR``.

It runs the ``run`` phase (command from ``proc/cmd.json``) and then the op's
``finalize`` phase (from ``opdef.json``), each captured to
``output/NN_phase`` with its index, and finishes the run: ``summary.json``,
files log and ``manifest``, read-only run files, ``stopped``, ``proc/exit``,
lock removed. Staging hooks run earlier, in the process that stages the run
(``gage_core.staging.lifecycle.stage_run``), with the same capture code.

A run with a remote handle (``proc/executor.json``) is followed by the
proxy runner instead (``executors.proxy``): same files, same signals.

Signals: SIGTERM, SIGINT and SIGHUP are forwarded to the child's process
group; the group is SIGKILLed after the grace period (``--grace``, default
10 s) and the exit is recorded as the negative signal number (``-2`` after
Ctrl-C). Whatever happens, ``proc/exit`` is written when this process can
still write, and errors go to ``log/runner``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path

from gage_core.process import files as _files
from gage_core.process import metafiles as mf
from gage_core.process.output import OutputWriter
from gage_core.process.phase import PhaseProcess, command_args, phase_env, read_env_json
from gage_core.process.progress import ProgressParser, _Throttle, write_progress
from gage_core.process.summary import SummaryParser, build_summary

__all__ = ["Runner", "PHASE_OUTPUT", "load_opdef", "run_phase", "main"]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

PHASE_OUTPUT = {
    "stage-sourcecode": "10_sourcecode",
    "stage-runtime": "20_runtime",
    "stage-dependencies": "30_dependencies",
    "run": "40_run",
    "finalize": "50_finalize",
}
DEFAULT_GRACE = 10.0


def load_opdef(meta_dir: str | os.PathLike):
    """The run's OpDef, rebuilt from ``opdef.json`` (None if unreadable)."""
    from gage_core.gagefile.normalize import normalize_op

    try:
        data = json.loads((Path(meta_dir) / "opdef.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = ""
    try:
        name = (Path(meta_dir) / "opref").read_text().split()[2]
    except (OSError, IndexError):
        pass
    return normalize_op(name, data)


def _project_dir(meta_dir: Path) -> str | None:
    try:
        data = json.loads((meta_dir / "project.json").read_text(encoding="utf-8"))
        return data.get("project_dir") or None
    except (OSError, ValueError, AttributeError):
        return None


def run_phase(
    run_dir: str | os.PathLike,
    meta_dir: str | os.PathLike,
    phase: str,
    cmd,
    *,
    opdef=None,
    summary: SummaryParser | None = None,
    lock_owner: int | None = None,
    pdeathsig: bool = False,
    on_process=None,
    echo=None,
) -> int:
    """Run one phase command captured to its output file; returns the exit
    code. Writes the lock (``lock_owner`` as runner + the child) while it
    runs. ``on_process(PhaseProcess)`` lets a caller keep a handle to stop it;
    ``echo(stream, data)`` gets every raw chunk as it is read."""
    run_dir, meta_dir = Path(run_dir), Path(meta_dir)
    run_id = (meta_dir / "id").read_text().strip() if (meta_dir / "id").exists() else run_dir.name
    env = phase_env(run_id, run_dir, _project_dir(meta_dir), read_env_json(meta_dir))
    env.setdefault("PARENT_PWD", os.getcwd())
    args = command_args(cmd)
    out_path = meta_dir / "output" / PHASE_OUTPUT[phase]
    progress = None
    kind = (opdef.progress.get(phase) if opdef is not None else None) or None
    if kind:
        try:
            progress = ProgressParser(kind, phase)
        except ValueError as e:
            mf.log_line(meta_dir, f"Ignoring progress for {phase}: {e}")
    throttle = _Throttle(0.2)
    owner = lock_owner if lock_owner is not None else os.getpid()

    def on_chunk(stream, data):
        if echo is not None:
            echo(stream, data)
        if progress is not None:
            p = progress.feed(data)
            if p is not None and throttle():
                write_progress(meta_dir, p)

    proc = PhaseProcess(
        args,
        run_dir,
        env,
        out_path,
        on_lines=summary.feed if summary is not None else None,
        on_chunk=on_chunk if (progress is not None or echo is not None) else None,
        on_started=lambda pid: _write_lock(meta_dir, owner, pid),
        pdeathsig=pdeathsig,
    )
    if on_process is not None:
        on_process(proc)
    _write_lock(meta_dir, owner)
    mf.log_line(meta_dir, f"Starting {phase} (see output/{out_path.name}): {_show_cmd(cmd)}")
    try:
        writer = OutputWriter(out_path)
    except OSError as e:
        mf.log_line(meta_dir, f"Cannot write output/{out_path.name}: {_os_error(e)}; {phase} not started")
        return 1
    write_error: OSError | None = None
    try:
        try:
            proc.start(writer)
            if proc.stop_signal is not None:
                # A stop arrived while the child was starting.
                proc.request_stop(proc.stop_signal, DEFAULT_GRACE)
        except OSError as e:
            mf.log_line(meta_dir, f"Cannot start {phase}: {e}")
            return 127
        result = proc.capture(writer)
        write_error = result.write_error
    finally:
        try:
            writer.close()
        except OSError as e:
            write_error = write_error or e
    if progress is not None and progress.latest is not None:
        try:
            write_progress(meta_dir, progress.latest)
        except OSError:
            pass
    if write_error is not None:
        mf.log_line(
            meta_dir,
            f"Cannot write output/{out_path.name}: {_os_error(write_error)}; "
            f"{phase} was stopped and the run marked as failed (free some space and run it again)",
        )
        return 1
    mf.log_line(meta_dir, f"Phase {phase} exited with {result.exit_code}")
    return result.exit_code


def _os_error(e: OSError) -> str:
    return f"{e.strerror} (errno {e.errno})" if e.strerror else str(e)


def _write_lock(meta_dir, owner: int, child: int | None = None) -> None:
    """The lock, best effort: a full disk must not abandon a started child."""
    try:
        mf.write_lock(meta_dir, owner, child)
    except OSError as e:
        mf.log_line(meta_dir, f"Cannot write proc/lock: {_os_error(e)}")


def _show_cmd(cmd) -> str:
    return cmd if isinstance(cmd, str) else " ".join(str(a) for a in cmd)


class Runner:
    """Runs and finishes one staged run (see the module doc)."""

    def __init__(self, run_dir: str | os.PathLike, grace: float = DEFAULT_GRACE, echo=None):
        self.run_dir = Path(run_dir).resolve()
        self.meta_dir = self.run_dir.with_name(self.run_dir.name + ".meta")
        self.grace = grace
        # echo(stream, data): every raw chunk the run writes, as it is read.
        self.echo = echo
        self.current: PhaseProcess | None = None
        self.stop_signal: int | None = None

    def _on_signal(self, signum, _frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        if self.current is not None:
            self.current.request_stop(signum, self.grace)

    def _install_signals(self) -> None:
        # Kept to be put back: a runner run inside another process (tests,
        # tools) must not leave that process, or what it starts later,
        # deaf to SIGTERM and Ctrl-C.
        self._saved_handlers = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}
        for sig in _STOP_SIGNALS:
            signal.signal(sig, self._on_signal)

    def _restore_signals(self) -> None:
        for sig, handler in getattr(self, "_saved_handlers", {}).items():
            try:
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            except (OSError, ValueError):
                pass

    def _set_current(self, proc: PhaseProcess) -> None:
        self.current = proc
        if self.stop_signal is not None:
            # A stop arrived before the child started: end it at once.
            proc.stop_signal = self.stop_signal

    def _cannot_start(self, role: str) -> int | None:
        """2 when the run cannot start (no meta, or it has ended), else None."""
        if not self.meta_dir.is_dir():
            print(f"gage runner: no meta dir for {self.run_dir}", file=sys.stderr)
            return 2
        if mf.read_exit(self.meta_dir) is not None:
            mf.log_line(self.meta_dir, f"{role}: run has already ended; not starting it again")
            return 2
        return None

    def run(self) -> int:
        meta = self.meta_dir
        refused = self._cannot_start("Runner")
        if refused is not None:
            return refused
        self._install_signals()
        code: int | None = None
        summary: SummaryParser | None = None
        opdef = None
        try:
            mf.write_lock(meta, os.getpid())
            mf.reserve_space(meta)
            mf.write_timestamp(meta, "started")
            opdef = load_opdef(meta)
            cmd = json.loads((meta / "proc" / "cmd.json").read_text(encoding="utf-8"))
            summary = (
                SummaryParser(opdef.output_summary, opdef.progress.get("run"))
                if opdef is not None
                else SummaryParser(True)
            )
            code = self._phase("run", cmd, opdef, summary)
            fin = opdef.exec.get("finalize") if opdef is not None else None
            if fin and self.stop_signal is None:
                # The run phase's metrics are kept even if this runner dies
                # during finalize; they are written again at the end.
                self._try_write_summary(summary, opdef)
                fcode = self._phase("finalize", fin, opdef, None)
                if fcode != 0:
                    # Reported as the finalize's failure (proc/finalize-exit,
                    # shown by gage show), never as the run's exit code.
                    mf.log_line(meta, f"Finalize failed with exit code {fcode}")
                    mf.write_atomic(meta / "proc" / "finalize-exit", str(fcode))
        except OSError as e:  # disk full, permissions: a clear message, no traceback
            mf.log_line(meta, f"Runner error: {e}")
            if code is None:
                code = -self.stop_signal if self.stop_signal else 1
        except BaseException as e:
            mf.log_line(meta, "Runner error: " + "".join(traceback.format_exception(e)).rstrip())
            if code is None:
                code = -self.stop_signal if self.stop_signal else 1
        finally:
            if code is None:
                code = 1
            if self.stop_signal is not None and code >= 0:
                code = -int(self.stop_signal)
            try:
                self._finish(code, summary, opdef)
            finally:
                self._restore_signals()
        return 0

    def _phase(self, phase, cmd, opdef, summary) -> int:
        if self.stop_signal is not None:
            return -int(self.stop_signal)
        try:
            return run_phase(
                self.run_dir,
                self.meta_dir,
                phase,
                cmd,
                opdef=opdef,
                summary=summary,
                pdeathsig=True,
                on_process=self._set_current,
                echo=self.echo,
            )
        finally:
            self.current = None

    def _finish(self, code: int, summary: SummaryParser | None, opdef) -> None:
        meta = self.meta_dir
        self._ignore_stop_signals()
        # Space set aside at start: bookkeeping can finish on a full disk.
        mf.release_space(meta)
        steps = (
            ("summary", lambda: self._write_summary(summary, opdef)),
            ("files", self._finish_files),
            ("stopped", lambda: mf.write_timestamp(meta, "stopped")),
        )
        for name, step in steps:
            try:
                step()
            except Exception as e:
                mf.log_line(meta, f"Error finishing run ({name}): {e!r}")
        self._record_exit(code)

    def _ignore_stop_signals(self) -> None:
        """Late signals must not interrupt the bookkeeping (the handlers in
        place before are put back by ``_restore_signals``)."""
        saved = self.__dict__.setdefault("_saved_handlers", {})
        for sig in _STOP_SIGNALS:
            try:
                saved.setdefault(sig, signal.getsignal(sig))
                signal.signal(sig, signal.SIG_IGN)
            except (OSError, ValueError):
                pass

    def _record_exit(self, code: int) -> None:
        """``proc/exit``, then the lock goes: the run has ended."""
        meta = self.meta_dir
        try:
            mf.write_exit(meta, code)
        except OSError as e:
            # Keep the lock: with its PIDs dead the run reads "terminated",
            # never "running" nor "staged".
            mf.log_line(meta, f"Cannot record the exit code {code}: {_os_error(e)}")
            return
        mf.log_line(meta, f"Run exited with {code}")
        mf.remove_lock(meta)
        # Meta files too: a slip can't rewrite a finished run's record.
        _files.set_readonly(meta)

    def _try_write_summary(self, summary: SummaryParser | None, opdef) -> None:
        try:
            self._write_summary(summary, opdef)
        except Exception as e:
            mf.log_line(self.meta_dir, f"Error writing the run summary before finalize: {e!r}")

    def _write_summary(self, summary: SummaryParser | None, opdef) -> None:
        output = self.meta_dir / "output" / "40_run"
        data, errors = build_summary(
            summary,
            self.run_dir,
            output if output.exists() else None,
            opdef.summary_filename if opdef is not None else None,
        )
        for err in errors:
            mf.log_line(self.meta_dir, err)
        mf.write_json(self.meta_dir / "summary.json", data, indent=None, sort_keys=False)

    def _finish_files(self) -> None:
        if not self.run_dir.is_dir():
            return
        changed = _files.log_files(self.run_dir, self.meta_dir, "g")
        for msg in _files.write_manifest(self.run_dir, self.meta_dir, changed):
            mf.log_line(self.meta_dir, msg)
        _files.set_readonly(self.run_dir)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gage_core.process.runner")
    parser.add_argument("run_dir")
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE)
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir)
    # Checked without importing the executors: a local run starts as fast as before.
    if (run_dir.with_name(run_dir.name + ".meta") / "proc" / "executor.json").is_file():
        from gage_core.process.executors.proxy import ProxyRunner

        return ProxyRunner(args.run_dir, args.grace).run()
    return Runner(args.run_dir, args.grace).run()


if __name__ == "__main__":
    sys.exit(main())
