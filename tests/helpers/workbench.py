"""Driving the workbench in tests: a project with quick, slow and failing
ops, real runs made through the core, the app itself, and waiting on it
while Textual pumps its messages."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.demo_store import DEMO_NOW, GAGEFILE_HEAD

__all__ = [
    "DEMO_NOW",
    "TEST_GAGEFILE",
    "TICKER",
    "loaded",
    "make_app",
    "open_launch_form",
    "pump_until",
    "run_op",
]

# A Gagefile with ops made for tests: quick, slow (live output), failing.
TEST_GAGEFILE = GAGEFILE_HEAD + """\
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



def run_op(project: Path, op: str, flags: dict | None = None, *, label=None, tags=(), background=False) -> str:
    """Make a real run through the core (init, stage, runner process)."""
    from gage_core.process.launch import run_foreground, start_detached
    from gage_core.project import open_project
    from gage_core.settings import settings_from
    from gage_core.staging.batch import resolve_config
    from gage_core.staging.lifecycle import init_run, stage_run

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


async def pump_until(pilot, predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    """Pump the app until ``predicate()`` is true; fail the test on timeout.
    Once it is, the app gets one more turn: the callbacks of what made it
    true (a pushed screen's header setting its title) run before the test
    goes on, or ends and tears the screen down under them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            await pilot.pause()
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
    await pump_until(pilot, lambda: bool(getattr(app.screen, "defaults", None)))
    return app.screen


async def loaded(pilot) -> None:
    await pump_until(pilot, lambda: pilot.app.runs_loaded)
    await pilot.pause()
