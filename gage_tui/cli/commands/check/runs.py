"""``gage check RUN``: which argument names runs, and how run checks print.

``gage check ARG`` decides in this order: no ARG -> the current project's
Gagefile; an existing file -> that Gagefile; an existing run directory
(``<runs>/<id>`` next to ``<id>.meta``) -> that run; an existing directory
-> a project dir; otherwise ARG is a run spec (index from ``gage ls``,
slice, id or name prefix) among the project's runs, then among all runs in
the store. A spec that matches nothing is a path error when it looks like
a path and otherwise says it is neither a file, a project dir nor a run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gage_core.store.integrity import RunCheck
    from gage_core.store.run import Run

__all__ = ["runs_for_check", "render_run_checks"]

_GAGEFILE_SUFFIXES = (".toml", ".json", ".yaml", ".yml")


def runs_for_check(target: str | None, env) -> list[Run] | None:
    """The runs ``gage check target`` checks, or None when ``target`` is a
    Gagefile or project dir (handled by ``gage_core.gagefile.check``)."""
    from gage_core.errors import GageError, RunNotFound

    if target is None:
        return None
    path = Path(target).expanduser()
    full = path if path.is_absolute() else env.settings.cwd / path
    if full.is_file():
        return None
    if full.is_dir():
        run = _run_at(full)
        return [run] if run is not None else None
    if any(sep in target for sep in "/\\") or path.suffix in _GAGEFILE_SUFFIXES:
        return None  # a missing path: gage_core.gagefile.check says it does not exist
    try:
        return _select(env, target)
    except RunNotFound:
        raise GageError(
            f"'{target}' is not a file or project directory, and no run matches it",
            hint="give a Gagefile, a project directory or a run (see 'gage ls')",
        ) from None


def _run_at(run_dir: Path) -> Run | None:
    from gage_core.store import layout
    from gage_core.store.runload import load_run

    run_dir = run_dir.resolve()
    runs_dir, run_id = run_dir.parent, run_dir.name
    if not (layout.meta_dir(runs_dir, run_id).is_dir() or layout.meta_zip(runs_dir, run_id).is_file()):
        return None
    return load_run(runs_dir, run_id)


def _select(env, spec: str) -> list[Run]:
    from gage_core.errors import RunNotFound
    from gage_core.query.select import select_runs
    from gage_tui.cli.runs_support import project_runs

    _project, store, runs = project_runs(env)
    try:
        return [store.refresh(r) for r in select_runs(runs, [spec])]
    except RunNotFound:
        if re.fullmatch(r"-?\d*(:-?\d*)?", spec.strip()):
            raise  # an index or slice refers to the project's listing only
    _project, store, runs = project_runs(env, all_projects=True)
    return [store.refresh(r) for r in select_runs(runs, [spec])]


_LEVEL_STYLE = {"ok": "green", "note": "yellow", "problem": "bold red"}


def render_run_checks(env, checks: Sequence[RunCheck], fmt: str) -> int:
    """Print ``checks`` as ``full``, ``concise`` or ``json``; exit status
    0 when no run has a problem, 1 otherwise."""
    ok = all(c.ok for c in checks)
    if fmt == "json":
        import json

        data = {"runs": [c.to_json() for c in checks], "verdict": "ok" if ok else "problems"}
        env.out.file.write(json.dumps(data, indent=2) + "\n")
        return 0 if ok else 1
    for i, check in enumerate(checks):
        if fmt == "concise":
            _concise(env, check)
            continue
        if i:
            env.out.line()
        _full(env, check)
    return 0 if ok else 1


def _concise(env, check: RunCheck) -> None:
    shown = [f for f in check.findings if f.level != "ok"]
    for f in shown:
        env.out.line(f"{check.run_name}: {f.level}[{f.topic}]: {f.message}",
                     style=_LEVEL_STYLE[f.level])
    if check.ok:
        env.out.line(f"{check.run_name}: ok ({check.kind} run)", style="green")


def _full(env, check: RunCheck) -> None:
    op = f"{check.operation}, " if check.operation else ""
    env.out.line(f"Run {check.run_name} ({op}{check.status}) {check.run_id}", style="bold")
    for f in check.findings:
        env.out.line(f"  {f.level:<8} {f.topic}: {f.message}", style=_LEVEL_STYLE[f.level])
    n = len(check.problems)
    if n:
        env.out.line(f"{check.run_name}: {n} problem{'s' if n != 1 else ''}", style="bold red")
    else:
        env.out.line(f"{check.run_name}: ok ({check.kind} run)", style="green")
