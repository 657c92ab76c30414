"""Compare screen defects: esc in the columns input, integer steps, the
plot cap said out loud, a legend."""

from __future__ import annotations

from test_literal_text import screen_text

from gage_tui.app.screens.compare import CompareScreen, _integer_ticks
from helpers.demo_store import DEMO_RUN_IDS
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until


async def _compare(pilot, run_ids):
    app = pilot.app
    app.push_screen(CompareScreen(run_ids))
    await pump_until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.table_model is not None)
    await app.workers.wait_for_complete()
    await pilot.pause(0.2)
    return app.screen


async def test_escape_in_columns_input_leaves_the_input_not_the_screen(demo_project):
    from textual.widgets import DataTable, Input

    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        screen = await _compare(pilot, DEMO_RUN_IDS[1:4])
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        assert app.screen is screen
        assert isinstance(app.focused, DataTable)


async def test_integer_steps_get_integer_ticks_and_a_legend(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await _compare(pilot, DEMO_RUN_IDS[1:3])
        shown = screen_text(app)
        assert "5.8" not in shown and "10.5" not in shown
        assert "babab-pabaf" in shown.split("step")[0]  # run names in the legend
    assert _integer_ticks(1, 20) == [1, 4, 7, 10, 13, 16, 19]
    assert _integer_ticks(1, 3) == [1, 2, 3]


async def test_plot_cap_is_stated(demo_project, monkeypatch):
    import gage_tui.app.screens.compare as compare

    cap = 3  # below the demo store's number of runs
    monkeypatch.setattr(compare, "MAX_PLOT_RUNS", cap)
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        screen = await _compare(pilot, DEMO_RUN_IDS)
        total = len(screen.shown_run_ids())
        assert total > cap
        status = str(screen.query_one("#compare-status").render())
        assert f"of {total} runs, at most {cap}" in status
