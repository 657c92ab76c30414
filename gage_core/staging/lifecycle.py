"""A run's life before the runner takes over: init and staging.

``init_run`` writes the meta (``opref`` first, ``initialized`` last), the
``<id>.project`` pointer and the user attributes. ``stage_run`` copies
source code, runs the ``stage-sourcecode`` hook, applies the config
(``log/patched``), runs ``stage-runtime``, resolves dependencies
(``deps.json``, written even when one fails, with its ``error``) and runs ``stage-dependencies``, logging the files each
step adds (``log/files``), then writes ``manifest`` and ``staged``.

Decision: staging hooks run in the process that stages (the CLI, or a TUI
worker), with the runner's capture code (``runner.run_phase``): their
output lands in ``output/10_sourcecode`` etc. exactly as if the runner had
run them, errors surface synchronously to whoever asked for the run, and
``gage run --stage`` needs no runner at all. The runner runs ``run`` and
``finalize``.

A failure after the meta exists never leaves a half-made run that reads
``running`` or ``pending``: ``proc/exit`` is written (the hook's exit code,
else 1), with a ``log/runner`` line saying why, and the lock is removed.
"""

from __future__ import annotations

import os
import platform
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gage_core.errors import GageError, StagingError, StoreError
from gage_core.process import files as _files
from gage_core.process import metafiles as mf

__all__ = [
    "RunFailed", "init_run", "stage_run", "fail_run", "opdef_json", "run_command", "substitute_shell_path",
]


class RunFailed(StagingError):
    """A staging step failed; the run is recorded as ended with
    ``run_code`` in ``proc/exit`` (negative when interrupted)."""

    def __init__(self, message: str, hint: str | None = None, *, run_code: int = 1):
        super().__init__(message, hint, exit_code=run_code if run_code > 0 else 128 - run_code)
        self.run_code = run_code


def opdef_json(opdef) -> dict:
    """What ``opdef.json`` holds: the op's Gagefile object (``OpDef.data``);
    for an OpDef built in code, the equivalent object."""
    if opdef.data:
        return opdef.data
    out: dict[str, Any] = {}
    if opdef.description:
        out["description"] = opdef.description
    if opdef.exec:
        out["exec"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opdef.exec.items()}
    if opdef.progress:
        out["progress"] = dict(opdef.progress)
    if opdef.output_summary is not True:
        out["output-summary"] = opdef.output_summary
    if opdef.summary_filename:
        out["summary"] = {"filename": opdef.summary_filename}
    if opdef.env:
        out["env"] = dict(opdef.env)
    if opdef.sourcecode is not None:
        out["sourcecode"] = list(opdef.sourcecode)
    if opdef.version:
        out["version"] = opdef.version
    return out


def run_command(opdef, project_dir: Path | None):
    """The run phase command with ``$project_dir`` replaced (shell-quoted
    in a shell string, as is in an argument list)."""
    cmd = opdef.exec.get("run")
    if not cmd:
        return None
    pd = str(project_dir) if project_dir is not None else ""
    if isinstance(cmd, str):
        return substitute_shell_path(cmd, "$project_dir", pd)
    return [str(a).replace("$project_dir", pd) for a in cmd]


def substitute_shell_path(cmd: str, name: str, path: str) -> str:
    """``cmd`` with ``name`` replaced by ``path`` quoted for where it stands:
    bare, inside double quotes or inside single quotes, so no directory name
    (``x;touch PWNED;``, ``my project``) can change the command."""
    import shlex

    out: list[str] = []
    quote = None
    i = 0
    while i < len(cmd):
        if cmd.startswith(name, i) and quote != "\\":
            if quote is None:
                out.append(shlex.quote(path))
            elif quote == '"':
                out.append("".join("\\" + c if c in '"\\$`' else c for c in path))
            else:
                out.append(path.replace("'", "'\\''"))
            i += len(name)
            continue
        c = cmd[i]
        out.append(c)
        if quote is None and c == "\\" and i + 1 < len(cmd):
            out.append(cmd[i + 1])
            i += 2
            continue
        if quote is None and c in "'\"":
            quote = c
        elif quote == '"' and c == "\\" and i + 1 < len(cmd):
            out.append(cmd[i + 1])
            i += 2
            continue
        elif c == quote:
            quote = None
        i += 1
    return "".join(out)


def _namespace(project) -> str:
    """The opref namespace: one word (opref parts are space-separated)."""
    import re

    gf = getattr(project, "gagefile", None)
    name = getattr(gf, "namespace", None) if gf is not None else None
    if not name and project.dir is not None:
        name = Path(project.dir).name
    return re.sub(r"\s", "_", name or "") or "gage"


@contextmanager
def _failure_ends_run(meta: Path, prefix: str, error: type[GageError], what: str):
    """A failure inside ends the run (``fail_run``, logged as ``prefix:
    ...``) and propagates; an OSError as ``error("<what>: <reason>")``.
    Exit code: a ``RunFailed``'s ``run_code``, -2 for Ctrl-C, else 1."""
    try:
        yield
    except RunFailed as e:
        fail_run(meta, e.run_code, f"{prefix}: {e.message}")
        raise
    except GageError as e:
        fail_run(meta, 1, f"{prefix}: {e.message}" + (f" ({e.hint})" if e.hint else ""))
        raise
    except OSError as e:
        fail_run(meta, 1, f"{prefix}: {e}")
        raise error(f"{what}: {e.strerror or e}") from None
    except BaseException as e:
        fail_run(meta, -2 if isinstance(e, KeyboardInterrupt) else 1, f"{prefix}: {e!r}")
        raise


def init_run(
    project,
    opdef,
    config: Mapping[str, Any],
    *,
    label: str | None = None,
    tags: Iterable[str] = (),
    comment: str | None = None,
    batch_id: str | None = None,
) -> str:
    """Create a run's meta; returns the run id. Raises ``StoreError`` when
    the runs directory cannot be written (nothing is left behind then)."""
    from gage_core.store import layout
    from gage_core.store.associate import project_ref
    from gage_core.store.attribute_log import append_user_attrs, current_author, new_comment_id
    from gage_core.store.ids import new_run_id
    from gage_core.store.opref import OpRef

    runs_dir = Path(project.runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(runs_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as e:
        raise StoreError(
            f"cannot write runs directory {runs_dir}: {e.strerror or e}",
            hint="use --runs PATH or -H PATH to choose another location",
        ) from None
    run_id = new_run_id()
    meta = layout.meta_dir(runs_dir, run_id)
    opref = OpRef(_namespace(project), opdef.name, opdef.version).encode()
    try:
        meta.mkdir()
    except OSError as e:
        raise StoreError(f"cannot create run in {runs_dir}: {e.strerror or e}") from None
    # Released when staging ends either way: a full disk during staging
    # still leaves room to record the failure.
    mf.reserve_space(meta, 64 * 1024)
    with _failure_ends_run(meta, "Error initializing run", StoreError, f"cannot write run {run_id}"):
        mf.write_atomic(meta / "opref", opref)
        mf.write_launcher(meta)
        mf.write_atomic(meta / "__schema__", "1")
        mf.write_atomic(meta / "id", run_id)
        mf.write_json(meta / "opdef.json", opdef_json(opdef))
        mf.write_json(meta / "config.json", dict(config))
        project_dir = Path(project.dir).resolve() if project.dir is not None else None
        mf.write_json(meta / "proc" / "cmd.json", run_command(opdef, project_dir))
        mf.write_json(meta / "proc" / "env.json", dict(opdef.env))
        mf.write_json(meta / "sys" / "platform.json", platform.platform())
        gf = getattr(project, "gagefile", None)
        mf.write_json(
            meta / "project.json",
            {
                "project_dir": str(project_dir) if project_dir else None,
                "project_id": getattr(gf, "project_id", None),
                "namespace": _namespace(project),
            },
        )
        if batch_id:
            mf.write_atomic(meta / "batch", batch_id)
        if project_dir is not None:
            mf.write_atomic(layout.project_file(runs_dir, run_id), project_ref(project_dir, runs_dir))
        attrs: dict[str, Any] = {}
        if label:
            attrs["label"] = label
        tag_list = list(dict.fromkeys(t for t in tags if t))
        if tag_list:
            attrs["tags"] = tag_list
        if comment:
            attrs[f"comment:{new_comment_id()}"] = {
                "msg": comment, "timestamp": int(time.time() * 1000), "author": current_author()}
        if attrs:
            append_user_attrs(layout.user_dir(runs_dir, run_id), set=attrs)
        mf.write_timestamp(meta, "initialized")
    return run_id


def fail_run(meta_dir: str | os.PathLike, code: int, message: str) -> None:
    """Record a run that ended before or during staging: log, ``stopped``,
    ``proc/exit``, no lock. Best effort, never raises."""
    meta_dir = Path(meta_dir)
    mf.release_space(meta_dir)
    mf.log_line(meta_dir, message)
    try:
        if not (meta_dir / "stopped").exists():
            mf.write_timestamp(meta_dir, "stopped")
        mf.write_exit(meta_dir, code if code != 0 else 1)
    except OSError:
        pass
    mf.remove_lock(meta_dir)
    mf.remove_launcher(meta_dir)
    # An ended run's record and files stay as written.
    _files.set_readonly(meta_dir)
    run_dir = meta_dir.with_name(meta_dir.name[: -len(".meta")])
    if meta_dir.name.endswith(".meta") and run_dir.is_dir():
        _files.set_readonly(run_dir)


class _HookStop:
    """The running hook's process, and whether Ctrl-C asked it to stop."""

    proc = None
    interrupted = False


@contextmanager
def _forward_interrupt(state: _HookStop):
    """While a hook runs in this (main) thread, Ctrl-C stops the hook's
    process group instead of abandoning it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum, _frame):
        state.interrupted = True
        if state.proc is not None:
            state.proc.request_stop(signal.SIGINT, 5.0)

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _hook(run_dir: Path, meta: Path, opdef, phase: str, status: Callable | None, echo=None) -> None:
    from gage_core.process.runner import run_phase

    cmd = opdef.exec.get(phase)
    if not cmd:
        return
    if status:
        status(phase)
    state = _HookStop()

    def keep(proc) -> None:
        state.proc = proc
        if state.interrupted:
            proc.stop_signal = signal.SIGINT

    try:
        with _forward_interrupt(state):
            code = run_phase(run_dir, meta, phase, cmd, opdef=opdef, echo=echo, on_process=keep)
    finally:
        mf.remove_lock(meta)
    if state.interrupted and code >= 0:
        code = -int(signal.SIGINT)
    if code != 0:
        what = "was interrupted" if code < 0 else f"failed with exit code {code}"
        raise RunFailed(
            f"{phase} {what}",
            hint=f"see its output: gage cat {run_dir.name} --phase {phase.split('-')[-1]}",
            run_code=code,
        )


def stage_run(
    project,
    run_id: str,
    opdef,
    config: Mapping[str, Any],
    *,
    store=None,
    status: Callable[[str], None] | None = None,
    echo: Callable[[int, bytes], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Stage an initialized run (see the module doc). ``status(step)`` is
    called before each step (``copy-sourcecode``, ``stage-sourcecode``,
    ``stage-config``, ``stage-runtime``, ``resolve-dependencies``,
    ``stage-dependencies``); ``echo(stream, data)`` gets hook output live
    (stream 0 stdout, 1 stderr); ``progress(done, total)`` gets source code
    copy progress (files). Raises ``RunFailed``/``GageError``; the run is
    then recorded as ended."""
    from gage_core.store import layout

    runs_dir = Path(project.runs_dir)
    run_dir = layout.run_dir(runs_dir, run_id)
    meta = layout.meta_dir(runs_dir, run_id)
    project_dir = Path(project.dir) if project.dir is not None else None
    with _failure_ends_run(meta, "Staging failed", StagingError, f"cannot stage run {run_id}"):
        run_dir.mkdir(exist_ok=True)
        if project_dir is not None and opdef.sourcecode != ():
            if status:
                status("copy-sourcecode")
            from gage_core.staging.sourcecode import copy_source_files, select_source_files

            selection = select_source_files(project_dir, opdef.sourcecode, runs_dir=runs_dir)
            mf.log_line(meta, f"Copying source code (see log/files): {list(selection.patterns_used)}")
            if selection.truncated_rules:
                mf.log_line(
                    meta,
                    f"max-matches reached: {selection.refused} file(s) not copied "
                    f"(rules: {', '.join(selection.truncated_rules)})",
                )
            if selection.skipped_links:
                mf.log_line(meta, "Symlinks leading outside the project not copied: "
                            + ", ".join(selection.skipped_links))
            copy_source_files(selection, project_dir, run_dir, progress=progress)
        _hook(run_dir, meta, opdef, "stage-sourcecode", status, echo)
        _files.log_files(run_dir, meta, "s")
        if config and project_dir is not None:
            if status:
                status("stage-config")
            from gage_core.staging.config import apply_config

            mf.log_line(meta, "Applying configuration (see log/patched)")
            diff = apply_config(run_dir, opdef, config)
            if diff:
                mf.write_atomic(meta / "log" / "patched", diff)
            _files.log_files(run_dir, meta, "s")
        _hook(run_dir, meta, opdef, "stage-runtime", status, echo)
        _files.log_files(run_dir, meta, "r")
        if opdef.depends:
            if status:
                status("resolve-dependencies")
            from gage_core.staging.deps import DepsResult, resolve_dependencies

            if store is None:
                from gage_core.store.store import RunStore

                store = RunStore(runs_dir)
            mf.log_line(meta, "Resolving dependencies (see deps.json)")
            resolved = DepsResult()
            try:
                resolve_dependencies(project_dir or run_dir, opdef, run_dir, store, config, into=resolved)
            except GageError:
                # Recorded before the failure ends the run: its detail shows
                # which dependency stopped it and what resolved before.
                try:
                    mf.write_json(meta / "deps.json", resolved.to_json())
                except OSError as e:
                    mf.log_line(meta, f"cannot write deps.json: {e.strerror or e}")
                raise
            mf.write_json(meta / "deps.json", resolved.to_json())
        _hook(run_dir, meta, opdef, "stage-dependencies", status, echo)
        _files.log_files(run_dir, meta, "d")
        _files.write_manifest(run_dir, meta)
        mf.write_timestamp(meta, "staged")
        mf.remove_launcher(meta)
        mf.release_space(meta)

