"""Shared fixtures: every test gets its own Gage home so nothing leaks
into (or out of) the developer's ~/.gage."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers.cli import in_process_cli, isolate_gage_env
from helpers.paths import EXAMPLES


@pytest.fixture(autouse=True)
def _isolated_gage_env(tmp_path_factory, monkeypatch):
    isolate_gage_env(monkeypatch, tmp_path_factory.mktemp("home"))
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
    return in_process_cli(monkeypatch)


def gage_subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env
