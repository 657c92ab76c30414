"""Helpers shared by the run commands: open the store of the current
project and pick the runs a command acts on."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from gage_core.project import Project
    from gage_core.store.run import Run
    from gage_core.store.store import RunStore

__all__ = ["open_store", "project_namespace", "in_project", "project_runs", "select_one_run", "select_runs"]


def open_store(env) -> tuple["Project", "RunStore"]:
    """The current project (from ``env.settings``) and its run store."""
    from gage_core.store.store import RunStore

    project = env._cache.get("project")
    if project is None:
        project = env._cache["project"] = _open_project(env.settings)
    return project, RunStore(project.runs_dir)


def _open_project(settings):
    try:
        from gage_core.project import open_project
    except ImportError:  # TODO(store): drop once the Gagefile loader lands
        from pathlib import Path
        from types import SimpleNamespace

        from gage_core.settings import resolve_runs_dir

        start = Path(settings.cwd).resolve()
        project_dir = next(
            (p for p in (start, *start.parents)
             if any((p / m).exists() for m in ("gage.toml", "gage.json", "gage.yaml", ".gage"))
             and p != Path.home()),
            None,
        )
        return SimpleNamespace(dir=project_dir, gagefile=None,
                               runs_dir=resolve_runs_dir(settings, project_dir))
    return open_project(settings)


def project_namespace(project: "Project") -> str | None:
    if project.gagefile is not None:
        return project.gagefile.namespace
    return project.dir.name if project.dir is not None else None


def in_project(run: "Run", project: "Project") -> bool:
    """True when ``run`` belongs to ``project``: same project dir or same
    project id. Runs with no project reference belong to a project whose
    runs dir lies inside it. Outside any project every run belongs."""
    if project.dir is None:
        return True
    pid = project.gagefile.project_id if project.gagefile is not None else None
    if pid and run.project_id == pid:
        return True
    pdir = os.path.realpath(project.dir)
    if run.project_dir:
        return os.path.realpath(run.project_dir) == pdir
    runs_dir = os.path.realpath(project.runs_dir)
    return runs_dir == pdir or runs_dir.startswith(pdir + os.sep)


def project_runs(
    env, *, all_projects: bool = False, deleted: bool = False, where: str | None = None
) -> tuple["Project", "RunStore", list["Run"]]:
    """Runs a command sees, newest first: the current project's (or all),
    active (or only deleted ones), filtered by ``where``."""
    project, store = open_store(env)
    runs = store.list_runs(include_deleted=deleted)
    if deleted:
        runs = [r for r in runs if r.container == "trash"]
    if not all_projects:
        runs = [r for r in runs if in_project(r, project)]
    if where:
        runs = _filter(runs, where)
    return project, store, runs


def _filter(runs: list["Run"], where: str) -> list["Run"]:
    try:
        from gage_core.query.filter import parse_filter
    except ImportError:  # query engine not there yet: Gage 0.1.2's string match
        return [
            r for r in runs
            if where in (r.opref.name, r.status) or (r.label is not None and where in r.label)
        ]
    flt = parse_filter(where)
    return [r for r in runs if flt.matches(r)]


def select_runs(runs: Sequence["Run"], specs: Iterable[str]) -> list["Run"]:
    """Runs matching any of ``specs`` (index, slice, id or name prefix)."""
    specs = list(specs)
    if not specs:
        return list(runs)
    try:
        from gage_core.query.select import select_runs as _select
    except ImportError:
        return _select_fallback(runs, specs)
    return list(_select(runs, specs))


def select_one_run(runs: Sequence["Run"], spec: str | None) -> "Run":
    """The one run ``spec`` names (default: the latest)."""
    from gage_core.errors import RunNotFound

    if not runs:
        raise RunNotFound("there are no runs", hint="Use 'gage run' to start one.")
    spec = spec or "1"
    try:
        from gage_core.query.select import select_one
    except ImportError:
        return _select_one_fallback(runs, spec)
    return select_one(runs, spec)


# TODO(store): remove the fallbacks below once gage_core.query.select lands.


def _spec_matches(runs: Sequence["Run"], spec: str) -> list["Run"]:
    if spec.isdigit():
        i = int(spec)
        if 1 <= i <= len(runs):
            return [runs[i - 1]]
    return [r for r in runs if r.id.startswith(spec) or r.name.startswith(spec)]


def _select_fallback(runs: Sequence["Run"], specs: list[str]) -> list["Run"]:
    chosen = {r.id for spec in specs for r in _spec_matches(runs, spec)}
    return [r for r in runs if r.id in chosen]


def _select_one_fallback(runs: Sequence["Run"], spec: str) -> "Run":
    from gage_core.errors import RunNotFound, RunSelectError

    matches = _spec_matches(runs, spec)
    if not matches:
        raise RunNotFound(f"no runs match '{spec}'", hint="Use 'gage ls' to show available runs.")
    if len(matches) > 1:
        raise RunSelectError(
            f"'{spec}' matches {len(matches)} runs",
            candidates=[r.id for r in matches],
            hint="Use a longer prefix: " + ", ".join(r.name for r in matches[:5]),
        )
    return matches[0]
