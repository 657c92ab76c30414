"""Project identity: re-associate runs with a project that moved.

Every run records its project in its meta (``project.json``:
``project_dir``, ``project_id`` = the Gagefile's ``$project-id``, and
``namespace``) and in the ``<id>.project`` pointer (``file:<path>``,
relative when the runs dir is inside the project, as Gage 0.1.2). The meta
is never rewritten; the pointer is what ``Run.project_dir`` reads first.
After the project moved, ``associate_runs`` rewrites the pointer of every
run whose recorded project id equals the project's id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gage_core.errors import GageError, StoreError
from gage_core.store import layout
from gage_core.store.atomic import write_atomic

__all__ = [
    "project_ref",
    "associate",
    "dissociate",
    "associate_candidates",
    "associate_runs",
    "same_dir",
]


def project_ref(project_dir: str | os.PathLike, runs_dir: str | os.PathLike) -> str:
    """``file:<path>``: relative when the runs dir lies inside the project."""
    pd = Path(os.path.realpath(project_dir))
    rd = Path(os.path.realpath(runs_dir))
    if rd == pd or pd in rd.parents:
        return "file:" + os.path.relpath(pd, rd)
    return f"file:{pd}"


def associate(run: Any, project_dir: str | os.PathLike) -> str:
    """Point ``run`` at ``project_dir``; returns the written reference."""
    ref = project_ref(project_dir, run.runs_dir)
    path = layout.project_file(run.runs_dir, run.id)
    try:
        write_atomic(path, ref + "\n")
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from None
    return ref


def dissociate(run: Any) -> bool:
    """Remove the run's project association: the ``.project`` pointer is
    left empty, which also hides the project recorded in its meta (the meta
    is never rewritten). True if the run had an association."""
    path = layout.project_file(run.runs_dir, run.id)
    had = bool(getattr(run, "project_dir", None))
    try:
        write_atomic(path, "")
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from None
    return had


def same_dir(a: str | None, b: str | os.PathLike) -> bool:
    """True when ``a`` (None: no directory) and ``b`` are the same directory."""
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


def associate_candidates(
    runs: Iterable[Any], project_dir: str | os.PathLike, project_id: str | None
) -> list[Any]:
    """Runs that carry ``project_id`` but point somewhere else."""
    if not project_id:
        return []
    want = project_id.lower()
    return [
        r
        for r in runs
        if (getattr(r, "project_id", None) or "").lower() == want
        and not same_dir(getattr(r, "project_dir", None), project_dir)
    ]


def associate_runs(
    runs: Iterable[Any],
    project_dir: str | os.PathLike,
    project_id: str | None,
    *,
    force: bool = False,
) -> list[Any]:
    """Re-associate ``runs`` with the project. Each run must carry the same
    project id unless ``force``; returns the runs whose pointer changed."""
    runs = list(runs)
    if not force:
        if not project_id:
            raise GageError(
                "this project has no $project-id",
                hint="add \"$project-id\" (a UUID) to the Gagefile, or use --force",
            )
        other = [r for r in runs if (getattr(r, "project_id", None) or "").lower() != project_id.lower()]
        if other:
            names = ", ".join(r.name for r in other[:5])
            raise GageError(
                f"{names}: recorded with a different project id",
                hint="use --force to associate them anyway",
            )
    changed = []
    for run in runs:
        if same_dir(getattr(run, "project_dir", None), project_dir):
            continue
        associate(run, project_dir)
        changed.append(run)
    return changed
