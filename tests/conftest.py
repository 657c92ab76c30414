"""Shared fixtures: every test gets its own Gage home so nothing leaks
into (or out of) the developer's ~/.gage."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers.paths import EXAMPLES


@pytest.fixture(autouse=True)
def _isolated_gage_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    # COLUMNS/LINES: pytest-xdist workers set them; plain listings obey COLUMNS.
    for var in ("GAGE_HOME", "GAGE_RUNS", "RUNS_DIR", "PROJECT_DIR", "NO_COLOR", "COLUMNS", "LINES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    yield


@pytest.fixture
def example_project(tmp_path) -> Path:
    """A private copy of examples/ (runs land in its .gage/runs)."""
    dest = tmp_path / "project"
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns(".gage", "__pycache__"))
    return dest


@pytest.fixture
def gage_cli(monkeypatch):
    """Run the gage CLI in-process: returns (exit_code, stdout, stderr)."""
    import io

    from gage_tui.cli.main import main

    def run(*argv: str, cwd: Path | None = None):
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        if cwd is not None:
            argv = ("-C", str(cwd), *argv)
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse errors and --help
            code = e.code if isinstance(e.code, int) else 2
        finally:
            monkeypatch.setattr(sys, "stdout", sys.__stdout__)
            monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        return code, out.getvalue(), err.getvalue()

    return run


def gage_subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
