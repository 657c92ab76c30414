"""Fixtures for workbench tests: projects with real runs made by the core
(runner processes, real output files), and helpers to wait on the app."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from demo_store import DEMO_NOW, copy_demo_project  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"

# A Gagefile with ops made for tests: quick, slow (live output), failing.
TEST_GAGEFILE = """\
"$runs-dir" = ".gage/runs"

[prepare]
description = "Generate a synthetic two-class data set"
exec = "python -u prepare.py"
config = "prepare.py"

[train]
description = "Train a logistic regression on prepare's data"
default = true
exec = "python -u train.py"
config = "train.py"
sourcecode = ["train.py", "model_util.py"]
depends = "runfiles: op=prepare"

[ticker]
description = "Print a numbered line every 20 ms until stopped"
exec = "python -u ticker.py"
config = "ticker.py"
sourcecode = ["ticker.py"]

[fail]
description = "Exit with an error"
exec = "python -u -c 'import sys; print(\\"boom\\", file=sys.stderr); sys.exit(3)'"
sourcecode = false
"""

TICKER = """\
import time

count = 100000
interval = 0.02

for i in range(count):
    print(f"tick {i} loss={1 / (i + 1):.4f}")
    time.sleep(interval)
"""


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


def run_op(project: Path, op: str, flags: dict | None = None, *, label=None, tags=(), background=False) -> str:
    """Make a real run through the core (init, stage, runner process)."""
    from gage_core.batch import resolve_config
    from gage_core.process.launch import run_foreground, start_detached
    from gage_core.process.lifecycle import init_run, stage_run
    from gage_core.project import open_project
    from gage_core.settings import settings_from

    proj = open_project(settings_from(cwd=project))
    opdef = proj.gagefile.ops[op]
    defaults, typed = resolve_config(proj, opdef, flags or {})
    config = {**defaults, **typed}
    run_id = init_run(proj, opdef, config, label=label, tags=tags)
    stage_run(proj, run_id, opdef, config)
    if background:
        start_detached(proj.runs_dir / run_id)
    else:
        run_foreground(proj.runs_dir / run_id, echo=False)
    return run_id


def make_app(project: Path, **kw):
    from gage_core.settings import settings_from
    from gage_tui.app.app import GageApp

    return GageApp(settings_from(cwd=project), **kw)


async def wait_for(pilot, predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    """Pump the app until ``predicate()`` is true; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await pilot.pause(step)
    assert predicate(), "timed out waiting for the app"
    return True


async def open_launch_form(pilot, op: str):
    """From the runs screen: operations (2), highlight ``op``, enter; returns
    the launch screen once its flag fields are there."""
    from textual.widgets import OptionList

    app = pilot.app
    await pilot.press("2")
    options = app.screen.query_one(OptionList)
    options.highlighted = [options.get_option_at_index(i).id for i in range(options.option_count)].index(op)
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(getattr(app.screen, "defaults", None)))
    return app.screen


async def loaded(pilot) -> None:
    await wait_for(pilot, lambda: pilot.app.runs_loaded)
    await pilot.pause()


__all__ = ["DEMO_NOW", "run_op", "make_app", "wait_for", "loaded", "open_launch_form", "asyncio"]
