"""Snapshot tests of every screen state in ``demo_store.DEMO_SCREENS``, on
the deterministic demo store (fixed ids, timestamps and clock). After a
deliberate change: look at the report, then `pytest --snapshot-update`."""

from __future__ import annotations

import pytest

from helpers.demo_store import DEMO_SCREENS, copy_demo_project
from helpers.paths import EXAMPLES
from helpers.workbench import DEMO_NOW, loaded, make_app

SIZE = (120, 36)


def _before(keys):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
        # Screens load in workers, some in two steps (compare's plot).
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("name", sorted(DEMO_SCREENS))
def test_screen_snapshot(name, tmp_path, snap_compare):
    keys, broken = DEMO_SCREENS[name]
    project = copy_demo_project(EXAMPLES, tmp_path / "demo", broken=broken)
    app = make_app(project, watch=False, clock=lambda: DEMO_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(keys))


# One state per screen at a small terminal (every screen usable: footer
# keys, launch's start visible, side-by-side panes stacked) and a large one.
_SIZED_STATES = ["runs", "run", "output", "help", "operations", "launch", "compare", "diff", "problems"]


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@pytest.mark.parametrize("name", _SIZED_STATES)
def test_screen_snapshot_at_size(name, size, tmp_path, snap_compare):
    keys, broken = DEMO_SCREENS[name]
    project = copy_demo_project(EXAMPLES, tmp_path / "demo", broken=broken)
    app = make_app(project, watch=False, clock=lambda: DEMO_NOW)
    assert snap_compare(app, terminal_size=size, run_before=_before(keys))
