"""Helpers for the commands that print run output (``cat``, ``tail``):
open a reader per phase output (meta dir or Gage 0.1.2 ``.meta.zip``),
format lines, write raw bytes to stdout."""

from __future__ import annotations

import time
from collections.abc import Iterable

__all__ = ["output_target", "phase_readers", "format_line", "write_lines", "write_bytes", "STREAM_CHOICES"]

STREAM_CHOICES = ("all", "stdout", "stderr")


def output_target(env, spec: str | None, all_projects: bool = False):
    """``(store, run)``: the run ``spec`` names (default: the latest) among
    the current project's runs; a spec that finds no run of the project
    is looked up among all projects' runs."""
    from gage_tui.cli.runs_support import project_runs, select_one_run

    _project, store, runs = project_runs(env, all_projects=all_projects)
    if not runs and spec and not all_projects:
        _project, store, runs = project_runs(env, all_projects=True)
    return store, select_one_run(runs, spec)


def phase_readers(store, run, phases: Iterable[str] | None = None):
    """[(name, OutputReader)] for the run's phase outputs, in phase order."""
    wanted = set(phases) if phases else None
    out = []
    with store.meta(run) as meta:
        for name in meta.output_names():
            if wanted is not None and name not in wanted and name.split("_", 1)[-1] not in wanted:
                continue
            out.append((name, meta.open_output(name)))
    return out


def format_line(line, timestamps: bool, raw: bool = True) -> bytes:
    """The line's bytes (raw, or as a terminal finally shows a ``\\r``
    progress line), with ``TIME STREAM `` in front when asked."""
    from gage_core.store.safe_text import final_line_state

    data = line.data if raw else final_line_state(line.data)
    data = data if data.endswith(b"\n") else data + b"\n"
    if not timestamps:
        return data
    if line.time_ms is None:
        stamp = "-" * 23
    else:
        secs, ms = divmod(line.time_ms, 1000)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(secs)) + f".{ms:03d}"
    tag = "err" if line.stream == 1 else "out"
    return f"{stamp} {tag} ".encode() + data


def _keep(line, stream: str) -> bool:
    return stream == "all" or (line.stream == 1) == (stream == "stderr")


def write_lines(env, lines, stream: str = "all", timestamps: bool = False, raw: bool = True) -> None:
    """Write lines to stdout as bytes (text when stdout has no buffer)."""
    chunks = [format_line(line, timestamps, raw) for line in lines if _keep(line, stream)]
    if chunks:
        write_bytes(env, b"".join(chunks))


def write_bytes(env, data: bytes, flush: bool = True) -> None:
    """Write raw bytes to stdout (decoded text when stdout has no buffer)."""
    out = env.out.file
    buf = getattr(out, "buffer", None)
    if buf is not None:
        buf.write(data)
    else:
        out.write(data.decode("utf-8", errors="replace"))
    if flush:
        (buf or out).flush()
