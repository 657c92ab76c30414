"""Fixtures for workbench tests: projects with real runs made by the core
(runner processes, real output files). Helpers to drive the app are in
``helpers.workbench``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.demo_store import copy_demo_project
from helpers.paths import EXAMPLES
from helpers.workbench import TEST_GAGEFILE, TICKER


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch):
    """Input cursors blink on a timer: a snapshot taken under load could
    catch either phase. Keep them shown."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path, monkeypatch):
    """The user's keymap and remembered theme come from tmp_path, never
    from the real home."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture
def app_project(tmp_path) -> Path:
    """examples/ plus test ops (ticker, fail); no runs yet."""
    dest = tmp_path / "project"
    shutil.copytree(EXAMPLES, dest, ignore=shutil.ignore_patterns(".gage", "__pycache__"))
    (dest / "gage.toml").write_text(TEST_GAGEFILE)
    (dest / "ticker.py").write_text(TICKER)
    return dest


@pytest.fixture
def demo_project(tmp_path) -> Path:
    """examples/ with the deterministic demo store (see demo_store.py)."""
    return copy_demo_project(EXAMPLES, tmp_path / "demo")
