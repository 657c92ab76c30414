"""Compare and diff screens: marked or filtered runs side by side, columns
by names and globs, sorting by key and header click, the metric plot,
export to CSV, live updates of a running run, a batch launched from the
launch form and compared; the diff screen of two marked runs."""

from __future__ import annotations

import csv

from textual.widgets import DataTable, Input
from textual_plotext import PlotextPlot

from gage_core.store.store import RunStore
from gage_tui.app.screens.compare import CompareScreen
from gage_tui.app.screens.diff import DiffScreen
from gage_tui.app.screens.launch import LaunchScreen
from gage_tui.app.screens.runs import RunsScreen
from helpers.workbench import DEMO_NOW, loaded, make_app, open_launch_form, pump_until, run_op

SIZE = (120, 40)


async def _filter(pilot, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await pilot.pause()


async def _open_compare(pilot) -> CompareScreen:
    await pilot.press("C")
    await pump_until(pilot, lambda: isinstance(pilot.app.screen, CompareScreen) and pilot.app.screen.table_model is not None)
    return pilot.app.screen


def _names(screen: CompareScreen) -> list[str]:
    return [screen.table_model.value(i, "name") for i in screen.shown_run_ids()]


def _col(screen: CompareScreen, key: str) -> list:
    return [screen.table_model.value(i, key) for i in screen.shown_run_ids()]


async def test_compare_marked_runs_with_default_columns_and_plot(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train")
        await pilot.press("space", "space", "space")  # the 3 newest train runs
        marked = set(app.screen.marked)
        screen = await _open_compare(pilot)
        assert set(screen.shown_run_ids()) == marked and len(marked) == 3
        cols = screen.shown_columns()
        assert cols[:5] == ["name", "op", "status", "started", "label"]
        assert {"config.lr", "metric.loss", "metric.accuracy"} <= set(cols)
        # The running run's metrics come live from its output so far.
        assert screen.table_model.live
        # A plot of loss over steps with one line per run that has a series.
        assert screen.query_one(PlotextPlot).display
        assert screen.metric == "loss" and screen.plot_runs_drawn == 3
        await pilot.press("m")
        assert screen.metric == "accuracy"
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_compare_all_filtered_runs_when_none_marked(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train")
        screen = await _open_compare(pilot)
        assert len(screen.shown_run_ids()) == 5


async def test_columns_globs_and_sorting(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train and status != running")
        screen = await _open_compare(pilot)
        await pilot.press("slash", *"name lr metric.l* nope", "enter")
        await pump_until(pilot, lambda: screen.shown_columns() == ["name", "config.lr", "metric.loss"])
        assert screen.table_model.unmatched == ["nope"]
        assert "no column matches: nope" in str(screen.query_one("#compare-status").render())
        # s sorts by the column under the cursor; again reverses.
        table = screen.query_one(DataTable)
        table.move_cursor(column=3)  # plot marker, name, lr, loss
        await pilot.press("s")
        await pump_until(pilot, lambda: _col(screen, "metric.loss") == [0.1204, 0.1826, 0.31, None])
        await pilot.press("s")
        await pump_until(pilot, lambda: _col(screen, "metric.loss") == [0.31, 0.1826, 0.1204, None])
        # The best run by loss is the one with lr=0.5.
        await pilot.press("s")
        await pump_until(pilot, lambda: _col(screen, "metric.loss")[0] == 0.1204)
        assert _col(screen, "config.lr")[0] == 0.5
        assert "loss ▲" in str(table.columns["metric.loss"].label)
        # A header click sorts by that column (numbers as numbers).
        x = sum(c.get_render_width(table) for c in list(table.columns.values())[:2]) + 2
        await pilot.click("#compare-table", offset=(x, 0))
        await pump_until(pilot, lambda: screen.sort_key == "config.lr")
        await pump_until(pilot, lambda: _col(screen, "config.lr") == [0.05, 0.1, 0.5, 5.0])


async def test_export_csv(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train")
        screen = await _open_compare(pilot)
        await pilot.press("e")
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value.startswith(str(demo_project)) and prompt.value.endswith(".csv")
        prompt.value = "exports/cmp.csv"
        await pilot.press("enter")
        await pump_until(pilot, lambda: screen.exported_path is not None)
        path = demo_project / "exports" / "cmp.csv"
        assert screen.exported_path == path
        rows = list(csv.reader(path.open()))
        assert rows[0][:3] == ["run", "name", "op"] and "metric.loss" in rows[0]
        assert len(rows) == 6


async def test_plot_runs_chosen_with_space(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train")
        screen = await _open_compare(pilot)
        assert screen.plot_runs_drawn == 5
        await pilot.press("space")
        assert screen.plotted_run_ids() == [screen.shown_run_ids()[0]]
        assert screen.plot_runs_drawn == 1
        await pilot.press("space")  # cursor moved down: adds the second run
        assert screen.plot_runs_drawn == 2
        await pilot.press("p")
        assert not screen.query_one(PlotextPlot).display


STEPPER = """\
import time

count = 100000
for i in range(1, count + 1):
    print(f"step={i} loss={1 / i:.5f}")
    time.sleep(0.05)
"""


async def test_compare_is_live_while_a_run_progresses(app_project):
    with open(app_project / "gage.toml", "a") as f:
        f.write('\n[stepper]\nexec = "python -u stepper.py"\nconfig = "stepper.py"\nsourcecode = ["stepper.py"]\n')
    (app_project / "stepper.py").write_text(STEPPER)
    run_id = run_op(app_project, "stepper", background=True)
    app = make_app(app_project, watch=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            screen = await _open_compare(pilot)
            await pump_until(pilot, lambda: len(screen.series.get(run_id, {}).get("loss", [])) >= 3, timeout=15)
            first = len(screen.series[run_id]["loss"])
            await pump_until(pilot, lambda: len(screen.series[run_id]["loss"]) > first + 5, timeout=15)
            assert screen.table_model.value(run_id, "metric.loss") is not None
            assert run_id in screen.table_model.live
            assert screen.plot_runs_drawn == 1
    finally:
        from gage_core.process.stop import stop_run

        store = RunStore(app_project / ".gage" / "runs")
        stop_run(store.get(run_id), grace=2)


async def test_batch_from_launch_form_compared_and_best_found(app_project):
    run_op(app_project, "prepare")
    app = make_app(app_project, watch=True)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        form = await open_launch_form(pilot, "train")
        assert isinstance(form, LaunchScreen)
        form.query_one("#flag-lr", Input).value = "[0.05,0.5]"
        form.query_one("#flag-epochs", Input).value = "[2,4]"
        form.query_one("#flag-delay", Input).value = "0"
        form.query_one("#launch-max-parallel", Input).value = "2"
        await pilot.pause()
        assert "4 runs" in str(form.query_one("#launch-summary").render())
        await pilot.press("f5")
        await pump_until(pilot, lambda: isinstance(app.screen, RunsScreen), timeout=30)
        runs = app.screen
        await pump_until(pilot, lambda: runs.query_one("#filter", Input).value.startswith("batch = "), timeout=10)
        store = RunStore(app_project / ".gage" / "runs")

        def batch_done():
            batch = [r for r in store.list_runs() if r.batch_id]
            return len(batch) == 4 and all(r.status == "completed" for r in batch)

        await pump_until(pilot, batch_done, timeout=60)
        await pump_until(pilot, lambda: len(runs.shown_runs) == 4 and all(r.status == "completed" for r in runs.shown_runs), timeout=10)
        screen = await _open_compare(pilot)
        assert len(screen.shown_run_ids()) == 4
        screen.sort_by("metric.loss")
        await pump_until(pilot, lambda: screen.sort_key == "metric.loss" and _col(screen, "metric.loss")[0] is not None)
        await pump_until(pilot, lambda: _col(screen, "metric.loss") == sorted(_col(screen, "metric.loss")))
        best = screen.table_model.runs[0]
        assert best.config["lr"] == 0.5 and best.config["epochs"] == 4


async def test_diff_screen_of_two_marked_runs(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await _filter(pilot, "op = train and status = completed")
        await pilot.press("D")
        assert isinstance(app.screen, RunsScreen)  # nothing marked: a notice only
        await pilot.press("space", "space")
        await pilot.press("D")
        assert isinstance(app.screen, DiffScreen)
        screen = app.screen
        await pump_until(pilot, lambda: screen.result is not None)
        result = screen.result
        assert [k for k, _, _ in result.flags] == ["lr"]
        assert result.a.label == "baseline" and result.b.label == "higher lr"  # older first
        assert result.output.lines and result.output.lines[0].startswith("---")
        assert "Flags: 1 differ" in str(screen.query_one("#diff-flags").content.title)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_palette_lists_compare_and_diff(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Compare", "Diff two runs"} <= titles
        await pilot.press("C")
        await pump_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Export CSV", "Plot metric", "Sort by column"} <= titles
