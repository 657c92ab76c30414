"""Run selection for ``run-files`` and ``runs-summary`` dependencies.

Public API::

    dep_op_name(dep) -> str | None       # operation named by the dependency
    select_dep_runs(dep, store, project_dir=None) -> list[Run]   # newest first
    select_dep_run(dep, store, config, project_dir=None) -> Run  # newest completed
    pinned_flag(dep) -> str | None       # flag that can pin a run id prefix
    runs_table(runs) -> tuple[list[str], list[list]]   # header, rows

``run-select`` uses the query language (``gage_core.query.filter``); a
dependency's ``operation`` means ``op = NAME``. Runs of other projects are
skipped when a run records its project dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from gage_core.errors import FilterSyntaxError, StagingError

__all__ = ["dep_op_name", "select_dep_runs", "select_dep_run", "pinned_flag", "runs_table"]

_OP_RE = re.compile(r"\s*(?:op|operation)\s*=\s*['\"]?([\w.:\-]+)['\"]?\s*\Z")


def dep_op_name(dep) -> str | None:
    if dep.operation:
        return dep.operation
    m = _OP_RE.match(dep.run_select or "")
    return m.group(1) if m else None


def pinned_flag(dep) -> str | None:
    return dep.flag or dep_op_name(dep)


def _matcher(dep):
    text = dep.run_select
    if dep.operation and not text:
        text = f"op = {dep.operation}"
    if not text:
        raise StagingError(f"{dep.type} dependency needs run-select or operation")
    from gage_core.query.filter import parse_filter

    try:
        flt = parse_filter(text)
    except FilterSyntaxError as e:
        raise StagingError(f"invalid run-select '{text}': {e.message}", hint=e.caret_lines()) from None
    if dep.operation and dep.run_select:
        op = dep.operation
        return lambda run: flt.matches(run) and run.op_name == op
    return flt.matches


def _same_project(run, project_dir) -> bool:
    if project_dir is None or not getattr(run, "project_dir", None):
        return True
    try:
        return os.path.realpath(run.project_dir) == os.path.realpath(project_dir)
    except (OSError, ValueError):
        return False


def select_dep_runs(dep, store, project_dir=None) -> list:
    if dep.type == "runs-summary" and not dep.run_select and not dep.operation:
        match = lambda run: True  # noqa: E731 - every run of the project
    else:
        match = _matcher(dep)
    return [r for r in store.list_runs() if _same_project(r, project_dir) and match(r)]


def select_dep_run(dep, store, config: Mapping[str, Any] | None = None, project_dir=None):
    """The run supplying files: a run pinned by flag (id prefix or name),
    else the newest completed run matching. Raises StagingError."""
    flag = pinned_flag(dep)
    pin = (config or {}).get(flag) if flag else None
    if pin not in (None, ""):
        pin = str(pin)
        runs = [r for r in store.list_runs() if r.id.startswith(pin) or r.name == pin]
        if not runs:
            raise StagingError(f"no run matches '{pin}' (flag '{flag}')")
        ids = {r.id for r in runs}
        if len(ids) > 1:
            raise StagingError(
                f"'{pin}' (flag '{flag}') matches {len(ids)} runs",
                hint="use more characters of the run id",
            )
        run = runs[0]
        if run.status != "completed":
            raise StagingError(f"run {run.name} ({run.id[:8]}) is {run.status}, not completed")
        return run
    what = dep.run_select or f"op = {dep.operation}"
    for run in select_dep_runs(dep, store, project_dir):
        if run.status == "completed":
            return run
    raise StagingError(
        f"no completed run matches '{what}'",
        hint=f"run '{dep_op_name(dep)}' first" if dep_op_name(dep) else None,
    )


def runs_table(runs) -> tuple[list[str], list[list]]:
    flags = sorted({k for r in runs for k in (r.config or {})})
    metrics = sorted({k for r in runs for k in (r.metrics or {})})
    header = ["id", "name", "operation", "status", "started", "label"]
    header += [f"flag:{f}" for f in flags] + [f"metric:{m}" for m in metrics]
    rows = []
    for r in runs:
        row = [r.id, r.name, r.op_name, r.status, r.started, r.label]
        row += [(r.config or {}).get(f) for f in flags]
        row += [(r.metrics or {}).get(m) for m in metrics]
        rows.append(row)
    return header, rows
