"""The project: its directory, its Gagefile and where its runs live.

``open_project`` never raises for Gagefile *content* problems: a broken
Gagefile still yields a ``Project`` whose ``gagefile`` carries diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gage_core.errors import GageError
from gage_core.gagefile import GageFile, find_gagefile, load_gagefile
from gage_core.gagefile.parse import format_for
from gage_core.settings import Settings, resolve_runs_dir

__all__ = [
    "PROJECT_MARKERS",
    "Project",
    "find_project_dir",
    "in_project",
    "open_project",
    "project_matcher",
    "project_namespace",
    "project_ref_matcher",
    "runs_elsewhere",
]

# A directory holding any of these is a project directory (Gage 0.1.2 list,
# plus the .yml spelling).
PROJECT_MARKERS: tuple[str, ...] = (
    ".gage",
    "gage.json",
    "gage.toml",
    "gage.yaml",
    "gage.yml",
    "gageconfig.json",
    "gageconfig.toml",
    "gageconfig.yaml",
    "pyproject.toml",
    ".vscode",
    ".git",
)


@dataclass
class Project:
    """``dir`` is None outside any project; ``gagefile`` is None when the
    project has no Gagefile."""

    dir: Path | None
    gagefile: GageFile | None
    runs_dir: Path


def find_project_dir(start: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The first directory from ``start`` upwards holding a project marker.

    ``PROJECT_DIR`` in the environment overrides the search. A ``.gage``
    directory in the user's home counts only if it holds a Gagefile (it is
    usually Gage home, holding ``runs``).
    """
    env = os.environ if environ is None else environ
    explicit = env.get("PROJECT_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):
        home = None
    current = Path(start).expanduser().resolve()
    for candidate in (current, *current.parents):
        if _has_marker(candidate, home):
            return candidate
    return None


def _has_marker(path: Path, home: Path | None) -> bool:
    for name in PROJECT_MARKERS:
        marker = path / name
        if not marker.exists():
            continue
        if name == ".gage" and path == home and find_gagefile(path) is None:
            continue
        return True
    return False


def _load(path: Path, project_dir: Path) -> GageFile:
    try:
        return load_gagefile(path, project_dir=project_dir)
    except GageError as e:  # unreadable: still a project, with one problem
        from gage_core.gagefile import Diagnostic

        return GageFile(
            path=path,
            project_dir=project_dir,
            format=format_for(path.name) or "toml",
            namespace=project_dir.name,
            diagnostics=[Diagnostic(str(path), None, None, None, None, "", e.message, code="io")],
        )


def open_project(settings: Settings) -> Project:
    """The project around ``settings.cwd`` with its Gagefile loaded."""
    project_dir = find_project_dir(settings.cwd)
    gagefile = None
    if project_dir is not None:
        path = find_gagefile(project_dir)
        if path is not None:
            gagefile = _load(path, project_dir)
    runs_dir = resolve_runs_dir(
        settings, project_dir, gagefile.runs_dir if gagefile is not None else None
    )
    return Project(dir=project_dir, gagefile=gagefile, runs_dir=runs_dir)


def project_namespace(project: Project) -> str | None:
    """The namespace runs of this project are listed under."""
    if project.gagefile is not None:
        return project.gagefile.namespace
    return project.dir.name if project.dir is not None else None


def in_project(run: Any, project: Project) -> bool:
    """True when ``run`` belongs to ``project``: same project dir or same
    project id. Runs with no project reference belong to a project whose
    runs dir lies inside it. Outside any project every run belongs."""
    return project_matcher(project)(run)


def project_matcher(project: Project) -> Callable[[Any], bool]:
    """A fast ``in_project`` for many runs (real paths computed once per
    distinct project dir)."""
    match = project_ref_matcher(project)
    return lambda run: match(run.project_dir, run.project_id)


def project_ref_matcher(project: Project) -> Callable[[str | None, str | None], bool]:
    """``in_project`` on a run's ``(project_dir, project_id)``, as the
    run index counts them."""
    if project.dir is None:
        return lambda project_dir, project_id: True
    pid = project.gagefile.project_id if project.gagefile is not None else None
    pdir = os.path.realpath(project.dir)
    runs_dir = os.path.realpath(project.runs_dir)
    local_runs = runs_dir == pdir or runs_dir.startswith(pdir + os.sep)
    seen: dict[str, bool] = {}

    def match(project_dir: str | None, project_id: str | None) -> bool:
        if pid and project_id == pid:
            return True
        if not project_dir:
            return local_runs
        hit = seen.get(project_dir)
        if hit is None:
            hit = seen[project_dir] = os.path.realpath(project_dir) == pdir
        return hit

    return match


def runs_elsewhere(project: Project, settings: Settings) -> list[tuple[Path, int]]:
    """Other runs directories the tool knows (``<project>/.gage/runs``, the
    Gagefile's ``$runs-dir``, Gage home's ``runs``, ``~/.gage/runs``) with
    the number of this project's runs in each (read from the small
    ``<id>.project`` pointers), so a listing can say where they are.
    Only directories holding at least one such run are returned."""
    import re

    from gage_core.store.runload import read_project_ref

    if project.dir is None:
        return []
    candidates = [project.dir / ".gage" / "runs", Path("~/.gage/runs").expanduser()]
    gf_runs = project.gagefile.runs_dir if project.gagefile is not None else None
    if gf_runs:
        candidates.append(project.dir / gf_runs)
    if settings.home is not None:
        candidates.append(settings.home / "runs")
    current = os.path.realpath(project.runs_dir)
    mine = os.path.realpath(project.dir)
    id_pointer = re.compile(r"[0-9a-fA-F-]{36}\.project\Z")
    seen, out = {current}, []
    for cand in candidates:
        real = os.path.realpath(cand)
        if real in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        try:
            names = os.listdir(real)
        except OSError:
            continue
        count = 0
        for name in names:
            if not id_pointer.match(name):
                continue
            ref = read_project_ref(Path(real) / name, Path(real))
            if ref is not None and os.path.realpath(ref) == mine:
                count += 1
        if count:
            out.append((Path(cand), count))
    return out
