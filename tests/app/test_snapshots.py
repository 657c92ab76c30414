"""Snapshot tests of every screen on the deterministic demo store (fixed
ids, timestamps and clock). Update with `pytest --snapshot-update` after
looking at the report."""

from __future__ import annotations

import pytest
from conftest import DEMO_NOW, loaded, make_app

SIZE = (120, 36)

BROKEN = """\
"$runs-dir" = ".gage/runs"

[train]
description = "Train a logistic regression on prepare's data"
exce = "python -u train.py"
output-summary = 123

[evaluate]
exec = "python -u evaluate.py"
depends = { type = "run-file", operation = "train" }
"""

SCREENS = {
    "runs": [],
    "runs_filtered": ["slash", *"op = train and metric.loss < 0.2", "enter"],
    "run": ["down", "down", "down", "down", "enter"],
    "output": ["down", "down", "down", "o", "T"],
    "operations": ["2"],
    "launch": ["2", "down", "down", "enter"],
    "help": ["question_mark"],
    "trash": ["z"],
}


def _before(keys):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_snapshot(name, demo_project, snap_compare):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(SCREENS[name]))


def test_problems_snapshot(demo_project, snap_compare):
    (demo_project / "gage.toml").write_text(BROKEN)
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(["3"]))
