"""The layers, checked by import-linter with the contracts in pyproject.toml:
core <- cli, core <- app, and the two front ends never import each other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def _copy_tree(dest: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    for pkg in ("gage_core", "gage_tui"):
        shutil.copytree(REPO / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_the_code_keeps_its_layers():
    res = _lint_imports(REPO)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


def test_the_app_importing_the_cli_breaks_the_build(tmp_path):
    root = _copy_tree(tmp_path)
    screen = root / "gage_tui" / "app" / "screens" / "help.py"
    screen.write_text(screen.read_text() + "\nfrom gage_tui.cli.output import use_plain  # violation\n")
    res = _lint_imports(root)
    assert res.returncode != 0
    assert "gage_tui.app.screens.help -> gage_tui.cli.output" in res.stdout


def test_the_core_importing_rich_breaks_the_build(tmp_path):
    root = _copy_tree(tmp_path)
    module = root / "gage_core" / "errors.py"
    module.write_text(module.read_text() + "\nimport rich  # violation\n")
    res = _lint_imports(root)
    assert res.returncode != 0
    assert "gage_core.errors -> rich" in res.stdout
