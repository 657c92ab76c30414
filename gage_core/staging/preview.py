"""What ``gage run OP`` would do, without running anything or writing a run.

Public API::

    build_preview(project, opdef, flags: Mapping | Iterable[str] = (),
                  store=None) -> Preview
    @dataclass Preview: op, project_dir, runs_dir, exec (list of
        {"phase", "output", "command"}), flags (list of {"name", "value",
        "default", "given", "source"}), config_files, sourcecode
        (SourceSelection.to_json() + "src_dir"), dependencies (deps entries
        with "files" or "error"), problems (list of str); to_json() -> dict

``project`` is a ``gage_core.project.Project`` (uses ``.dir`` and
``.runs_dir``). ``flags`` are parsed values or ``NAME=VALUE`` strings.
Project code is never executed; the only subprocess is ``git ls-files``.
Problems (unknown flag, bad type, unresolvable dependency, bad pattern)
are collected in ``problems`` rather than raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gage_core.errors import GageError
from gage_core.gagefile.model import EXEC_PHASES
from gage_core.staging.config import read_config_defaults
from gage_core.staging.deps import resolve_dependencies
from gage_core.staging.flags import check_flags, parse_flag_assigns
from gage_core.staging.sourcecode import select_source_files

__all__ = ["Preview", "build_preview"]


@dataclass
class Preview:
    op: str
    project_dir: str
    runs_dir: str
    exec: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    config_files: list[str] = field(default_factory=list)
    sourcecode: dict = field(default_factory=dict)
    dependencies: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.op,
            "project_dir": self.project_dir,
            "runs_dir": self.runs_dir,
            "exec": self.exec,
            "flags": self.flags,
            "config_files": self.config_files,
            "sourcecode": self.sourcecode,
            "dependencies": self.dependencies,
            "problems": self.problems,
        }


def _command_text(cmd) -> str | list[str] | None:
    if cmd is None:
        return None
    return list(cmd) if isinstance(cmd, tuple) else str(cmd)


def _problem(e: GageError) -> str:
    return e.message + (f" ({e.hint})" if e.hint else "")


def _store_for(runs_dir: Path):
    from gage_core.store.store import RunStore

    return RunStore(runs_dir) if runs_dir.is_dir() else _EmptyStore(runs_dir)


class _EmptyStore:
    def __init__(self, runs_dir: Path):
        self.runs_dir = runs_dir

    def list_runs(self, include_deleted: bool = False) -> list:
        return []


def build_preview(project, opdef, flags: Mapping[str, Any] | Iterable[str] = (), store=None) -> Preview:
    project_dir = Path(project.dir)
    runs_dir = Path(project.runs_dir)
    pv = Preview(op=opdef.name, project_dir=str(project_dir), runs_dir=str(runs_dir))

    for phase, output in EXEC_PHASES:
        cmd = opdef.exec.get(phase)
        if phase == "run" and isinstance(cmd, str):
            from gage_core.staging.lifecycle import substitute_shell_path

            cmd = substitute_shell_path(cmd, "$project_dir", str(project_dir))
        elif phase == "run" and isinstance(cmd, tuple):
            cmd = tuple(a.replace("$project_dir", str(project_dir)) for a in cmd)
        pv.exec.append({"phase": phase, "output": output, "command": _command_text(cmd)})

    try:
        given = dict(flags) if isinstance(flags, Mapping) else parse_flag_assigns(list(flags), raw=True)
    except GageError as e:
        pv.problems.append(_problem(e))
        given = {}
    defaults = read_config_defaults(project_dir, opdef)
    pv.config_files = list(defaults.files)
    pv.problems.extend(defaults.warnings)
    typed: dict[str, Any] = {}
    for name, value in given.items():
        try:
            typed.update(check_flags({name: value}, defaults, opdef.name))
        except GageError as e:
            pv.problems.append(_problem(e))
            typed[name] = value
    for name in sorted(set(defaults) | set(typed)):
        pv.flags.append({
            "name": name,
            "value": typed.get(name, defaults.get(name)),
            "default": defaults.get(name),
            "given": name in typed,
            "source": defaults.source_of(name),
        })

    try:
        sel = select_source_files(project_dir, opdef.sourcecode, runs_dir=runs_dir)
        pv.sourcecode = {"src_dir": str(project_dir), **sel.to_json()}
        if sel.skipped_links:
            pv.problems.append(
                "symlinks leading outside the project not copied: " + ", ".join(sel.skipped_links)
            )
        if sel.truncated_rules:
            pv.problems.append(
                f"{sel.refused} source files not copied: max-matches reached for "
                + ", ".join(f"'{r}'" for r in sel.truncated_rules)
            )
    except GageError as e:
        pv.sourcecode = {"src_dir": str(project_dir), "error": _problem(e)}
        pv.problems.append(_problem(e))

    if opdef.depends:
        config = {**defaults, **typed}
        res = resolve_dependencies(
            project_dir, opdef, None, store if store is not None else _store_for(runs_dir),
            config, preview=True,
        )
        pv.dependencies = res.entries
        pv.problems.extend(f"dependency {e['spec']}: {e['error']}" for e in res.entries if "error" in e)
    return pv
