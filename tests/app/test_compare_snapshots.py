"""Snapshots of the compare screen (table and loss plot) and the diff
screen on the deterministic demo store. Update with
`pytest tests/app/test_compare_snapshots.py --snapshot-update` after
looking at the report."""

from __future__ import annotations

import pytest
from conftest import DEMO_NOW, loaded, make_app

SIZE = (120, 36)

STATES = {
    "compare": ["slash", *"op = train", "enter", "C"],
    "compare_sorted": ["slash", *"op = train", "enter", "C", "slash", *"name status lr epochs metric.*", "enter",
                       "right", "right", "right", "right", "right", "s"],
    "diff": ["slash", *"op = train and status = completed", "enter", "space", "space", "D"],
}


def _before(keys):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("name", sorted(STATES))
def test_compare_snapshot(name, demo_project, snap_compare):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=_before(STATES[name]))
