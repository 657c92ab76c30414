"""Where gage acts: command directory, Gage home and runs directory.

Resolved once from the global options and the environment, then passed
down; nothing else in the core reads ``os.environ`` for these.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gage_core.errors import GageError

__all__ = ["Settings", "settings_from", "resolve_runs_dir"]


@dataclass(frozen=True)
class Settings:
    """``cwd``: where gage acts as if started (``-C``); ``home``: Gage home
    (``-H``/``GAGE_HOME``), whose ``runs`` dir holds runs; ``runs_dir``: an
    explicit runs directory (``--runs``/``GAGE_RUNS``), which wins over all."""

    cwd: Path
    home: Path | None = None
    runs_dir: Path | None = None


def settings_from(
    cwd: str | os.PathLike | None = None,
    home: str | os.PathLike | None = None,
    runs: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from global options, falling back to the environment.

    Raises ``GageError`` when ``-C`` names something that is not a directory.
    """
    env = os.environ if environ is None else environ
    if cwd is not None:
        cwd_path = Path(cwd).expanduser()
        if not cwd_path.is_dir():
            raise GageError(f"-C {cwd}: not a directory")
        cwd_path = cwd_path.resolve()
    else:
        cwd_path = Path(os.getcwd())
    home = home or env.get("GAGE_HOME") or None
    runs = runs or env.get("GAGE_RUNS") or env.get("RUNS_DIR") or None
    return Settings(
        cwd=cwd_path,
        home=_abs(home, cwd_path) if home else None,
        runs_dir=_abs(runs, cwd_path) if runs else None,
    )


def _abs(path: str | os.PathLike, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p)


def resolve_runs_dir(
    settings: Settings,
    project_dir: Path | None = None,
    gagefile_runs_dir: str | None = None,
) -> Path:
    """The runs directory, first match wins: ``--runs``/``GAGE_RUNS``;
    ``-H``/``GAGE_HOME`` + ``/runs``; the Gagefile's ``$runs-dir`` (relative
    to the project); ``<project>/.gage/runs`` for any project, whether or
    not it exists yet (Gage 0.1.2's rule); ``~/.gage/runs`` only outside a
    project."""
    if settings.runs_dir is not None:
        return settings.runs_dir
    if settings.home is not None:
        return settings.home / "runs"
    if project_dir is not None:
        if gagefile_runs_dir:
            return _abs(gagefile_runs_dir, project_dir)
        return project_dir / ".gage" / "runs"
    return Path("~/.gage/runs").expanduser()
