"""Everything about one run that a detail view shows: attributes, flags,
dependencies, files, summary, comments, outputs. Shared by ``gage show``
and the workbench's run screen so both say the same thing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from gage_core.store.attribute_log import comments as _comments
from gage_core.store.attribute_log import read_user_attrs
from gage_core.store.meta import MetaError, MetaReader

__all__ = ["RunFile", "RunDetails", "run_details", "run_failures", "FILE_TYPES"]

FILE_TYPES = {"s": "source code", "d": "dependency", "r": "runtime", "g": "generated"}
# Listing order of file types, as Gage shows them.
_TYPE_ORDER = {"g": 0, "d": 1, "s": 2, "r": 3}


@dataclass(frozen=True)
class RunFile:
    path: str
    type: str  # one of FILE_TYPES' values, or "" when not in the manifest
    size: int | None


@dataclass
class RunDetails:
    run: Any
    command: Any = None
    opdef: dict = field(default_factory=dict)
    dependencies: list[dict] = field(default_factory=list)
    files: list[RunFile] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    runner_log: list[str] = field(default_factory=list)  # last lines of log/runner
    problems: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # why the run (or a phase) failed


def run_details(run, max_files: int = 2000) -> RunDetails:
    """Read the detail of ``run`` (a ``Run``). Never raises for bad meta:
    what cannot be read is described in ``problems``."""
    details = RunDetails(run=run)
    meta = MetaReader(run.meta_dir)
    try:
        details.command = _read(meta, "proc/cmd.json", details.problems)
        details.opdef = _read(meta, "opdef.json", details.problems) or {}
        deps = _read(meta, "deps.json", details.problems)
        if isinstance(deps, dict):
            deps = deps.get("dependencies", [])
        details.dependencies = [d for d in deps or [] if isinstance(d, dict)]
        details.files = _files(meta, run.run_dir, max_files, details.problems)
        details.outputs = meta.output_names()
        try:
            details.runner_log = (meta.read_text("log/runner") or "").splitlines()[-10:]
        except MetaError as e:
            details.problems.append(e.message)
    finally:
        meta.close()
    details.failures = run_failures(run)
    errors: list[str] = []
    details.comments = _comments(read_user_attrs(run.user_dir, errors))
    details.problems.extend(errors)
    return details


# log/runner lines that say why a run ended badly (written by init,
# staging, the runner and gage stop).
_FAILURE_PREFIXES = ("Error initializing run:", "Staging failed:", "Runner error:", "Finalize failed")
_LOG_TAIL_BYTES = 64 * 1024


def run_failures(run) -> list[str]:
    """Why ``run`` failed, from its runner log: a staging or init failure,
    a runner error, a failed finalize (reported as such, apart from the
    run's exit code). Empty for a run that went well."""
    meta = MetaReader(run.meta_dir)
    try:
        log = meta.read_bytes("log/runner") or b""
    except MetaError:
        return []
    finally:
        meta.close()
    out = []
    for line in log[-_LOG_TAIL_BYTES:].decode("utf-8", "replace").splitlines():
        text = line.split(" ", 1)[1] if " " in line and line[:4].isdigit() else line
        if text.startswith(_FAILURE_PREFIXES) and text not in out:
            out.append(text)
    return out


def _read(meta: MetaReader, relpath: str, problems: list[str]):
    try:
        return meta.read_json(relpath)
    except MetaError as e:
        problems.append(e.message)
        return None


def _files(meta: MetaReader, run_dir, max_files: int, problems: list[str]) -> list[RunFile]:
    try:
        manifest = meta.read_text("manifest")
    except MetaError as e:
        problems.append(e.message)
        manifest = None
    types: dict[str, str] = {}
    for line in (manifest or "").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            types[parts[2]] = parts[0]
    paths = set(types)
    # Files not (yet) in the manifest: a run still going writes new ones.
    for root, _dirs, names in os.walk(run_dir):
        for name in names:
            paths.add(os.path.relpath(os.path.join(root, name), run_dir))
            if len(paths) > max_files:
                break
    out = []
    for path in paths:
        try:
            size = os.lstat(os.path.join(run_dir, path)).st_size
        except OSError:
            size = None
        kind = types.get(path, "g")
        out.append((_TYPE_ORDER.get(kind, 9), path, RunFile(path, FILE_TYPES.get(kind, kind), size)))
    out.sort(key=lambda t: (t[0], t[1]))
    return [f for _, _, f in out[:max_files]]

