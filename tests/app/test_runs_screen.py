"""Runs screen: table, live updates, filter, sort, marks and run actions,
against real runs made by the core."""

from __future__ import annotations

import io
import os

from rich.console import Console
from textual.widgets import Input, Static

from gage_core.store.store import RunStore
from gage_tui.app.widgets.runs_table import RunsTable
from helpers import real_runs
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until, run_op


def _table(app) -> RunsTable:
    return app.screen.query_one("#runs-table", RunsTable)


def _column(app, key: str) -> list[str]:
    return _table(app).column_texts(key)


async def test_table_lists_runs_newest_first_with_status(app_project):
    run_op(app_project, "prepare")
    run_op(app_project, "train", {"epochs": 2, "delay": 0})
    run_op(app_project, "fail")
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert _column(app, "op") == ["fail", "train", "prepare"]
        assert _column(app, "status") == ["error", "completed", "completed"]
        assert _column(app, "metric.loss")[1]  # a metric column, filled for train
        status = str(app.screen.query_one("#runs-status", Static).render())
        assert "3 runs" in status


async def test_new_run_appears_without_a_key_press(app_project):
    app = make_app(app_project, watch=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert _table(app).row_count == 0
        run_op(app_project, "prepare")
        await pump_until(pilot, lambda: _table(app).row_count == 1, timeout=5)
        assert _column(app, "status") == ["completed"]


async def test_status_change_of_live_run_shows(app_project):
    run_id = run_op(app_project, "ticker", {"count": 100000}, background=True)
    app = make_app(app_project, watch=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(pilot)
            await pump_until(pilot, lambda: _column(app, "status") == ["running"])
            from gage_core.process.stop import stop_run

            stop_run(RunStore(app.project.runs_dir).get(run_id), grace=2)
            await pump_until(pilot, lambda: _column(app, "status") == ["terminated"], timeout=8)
    finally:
        _kill_leftovers(app_project)


async def test_filter_narrows_and_reports_syntax_error_column(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert _table(app).row_count == 7
        await pilot.press("slash")
        await pilot.press(*"op = train and metric.loss < 0.2")
        await pilot.press("enter")
        assert _table(app).row_count == 2
        assert set(_column(app, "op")) == {"train"}
        # A broken expression keeps the last good filter and points at the column.
        app.screen.query_one("#filter", Input).value = "op = train and (status ="
        error = app.screen.query_one("#filter-error", Static)
        await pump_until(pilot, lambda: error.display)
        text = str(error.render())
        caret_line = text.splitlines()[1]
        # The caret sits under the end of the expression, where it broke off.
        assert caret_line.index("^") == len("filter: op = train and (status =")
        assert _table(app).row_count == 2
        app.screen.query_one("#filter", Input).value = ""
        await pump_until(pilot, lambda: _table(app).row_count == 7)


async def test_time_range_filter_uses_the_clock(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        app.screen.query_one("#filter", Input).value = "started in last 50 minutes"
        # Runs 45, 30, 20 and 5 minutes old.
        await pump_until(pilot, lambda: _table(app).row_count == 4)


async def test_sort_cycles_and_reverses(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        first = _column(app, "name")
        await pilot.press("S")  # oldest first
        assert _column(app, "name") == list(reversed(first))
        await pilot.press("s")
        assert app.screen.sort_key != "timestamp"


async def test_label_tag_comment_from_keys(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("down")  # the terminated train run
        target = app.screen.current_run_id()
        await pilot.press("l")
        app.screen.query_one(Input).value = "my label"
        await pilot.press("enter")
        await pump_until(pilot, lambda: app.run_by_id(target).label == "my label")
        await pilot.press("t")
        app.screen.query_one(Input).value = "keep fast"
        await pilot.press("enter")
        await pump_until(pilot, lambda: set(app.run_by_id(target).tags) == {"keep", "fast"})
        await pilot.press("c")
        app.screen.query_one(Input).value = "looks good"
        await pilot.press("enter")
        await pilot.pause(0.2)
        from gage_core.store.annotate import list_comments

        assert [c.msg for c in list_comments(app.run_by_id(target))] == ["looks good"]


async def test_mark_delete_trash_restore(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("down", "space", "space")  # marks rows 2 and 3
        assert len(app.screen.marked) == 2
        marked = set(app.screen.marked)
        await pilot.press("d")
        await pilot.press("y")
        await pump_until(pilot, lambda: _table(app).row_count == 5)
        assert not marked & set(_table(app).shown_ids)
        await pilot.press("z")  # trash: the two plus the one already there
        await pump_until(pilot, lambda: _table(app).row_count == 3)
        assert marked <= set(_table(app).shown_ids)
        app.screen.marked = set(marked)
        await pilot.press("u")
        await pump_until(pilot, lambda: _table(app).row_count == 1)
        await pilot.press("z")
        await pump_until(pilot, lambda: _table(app).row_count == 7)


async def test_running_run_is_not_deleted(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await loaded(pilot)
        assert _column(app, "status")[0] == "running"
        await pilot.press("d")
        await pilot.pause()
        assert _table(app).row_count == 7
        assert not app.screen.is_modal


async def test_stop_running_run_from_the_table(app_project):
    run_op(app_project, "ticker", background=True)
    app = make_app(app_project, watch=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(pilot)
            await pump_until(pilot, lambda: _column(app, "status") == ["running"])
            await pilot.press("x")
            await pilot.press("y")
            await pump_until(pilot, lambda: _column(app, "status") == ["terminated"], timeout=15)
    finally:
        _kill_leftovers(app_project)


async def test_quitting_leaves_runs_running(app_project):
    run_id = run_op(app_project, "ticker", background=True)
    try:
        app = make_app(app_project, watch=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(pilot)
            await pilot.press("q")
        store = RunStore(app_project / ".gage" / "runs")
        assert store.get(run_id).status == "running"
    finally:
        _kill_leftovers(app_project)


async def test_help_and_palette_list_actions(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen._help_table())
        body = console.export_text()
        for words in ("Filter", "Label", "Stop", "Delete", "Re-run", "Output"):
            assert words in body
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Open", "Output", "Label", "Tag", "Comment", "Stop", "Delete", "Restore"):
            assert title in titles


def _kill_leftovers(project) -> None:
    """Stop any run a failed test left running (never leave processes)."""
    from gage_core.process.stop import stop_run

    store = RunStore(project / ".gage" / "runs")
    for run in store.list_runs(include_deleted=True):
        if run.status == "running":
            stop_run(run, grace=1)


async def test_killed_runner_shows_terminated_not_running(app_project):
    """SIGKILL leaves the lock behind and makes no file event: the
    workbench must still stop saying 'running'."""
    import signal

    from gage_core.process.stop import read_lock

    run_id = run_op(app_project, "ticker", background=True)
    meta = RunStore(app_project / ".gage" / "runs").get(run_id).meta_dir
    real_runs.wait_for(lambda: any(e.role == "child" for e in read_lock(meta)), 10, "the child's lock")
    app = make_app(app_project, watch=True, poll_interval=0.5)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pump_until(pilot, lambda: _column(app, "status") == ["running"])
        for entry in read_lock(meta):
            os.kill(entry.pid, signal.SIGKILL)
        await pump_until(pilot, lambda: _column(app, "status") == ["terminated"], timeout=10)


async def test_header_click_sorts_by_that_column(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        x = _table(app).column_x("status")
        await pilot.click("#runs-table", offset=(x + 2, 0))
        await pump_until(pilot, lambda: app.screen.sort_key == "status")
        statuses = _column(app, "status")
        assert statuses == sorted(statuses, reverse=app.screen.sort_reverse)


async def test_tag_dialog_minus_removes_only_that_tag(demo_project):
    from gage_core.store.annotate import add_tags, get_tags

    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        run = app.run_by_id(app.screen.current_run_id())
        add_tags(run, ["paper"])  # from elsewhere (the CLI), after the listing
        await pilot.press("t")
        field = app.screen.query_one(Input)
        assert set(field.value.split()) == {"wip", "paper"}  # as on disk now
        field.value = "-paper"
        await pilot.press("enter")
        await pump_until(pilot, lambda: get_tags(run) == ("wip",))


async def test_runs_of_other_projects_hidden_until_asked(demo_project, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "gage.toml").write_text('[one]\nexec = "python -c pass"\nsourcecode = false\n')
    runs_dir = demo_project / ".gage" / "runs"
    # A run of another project in the same runs dir (as with ~/.gage/runs).
    from gage_core.process.launch import run_foreground
    from gage_core.project import open_project
    from gage_core.settings import settings_from
    from gage_core.staging.lifecycle import init_run, stage_run

    proj = open_project(settings_from(cwd=other, runs=runs_dir))
    run_id = init_run(proj, proj.gagefile.ops["one"], {})
    stage_run(proj, run_id, proj.gagefile.ops["one"], {})
    run_foreground(runs_dir / run_id, echo=False)

    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert _table(app).row_count == 7
        assert "1 of other projects hidden" in str(app.screen.query_one("#runs-status", Static).render())
        await pilot.press("P")
        assert _table(app).row_count == 8
        assert run_id in _table(app).shown_ids


async def test_bad_filter_falls_back_to_the_submitted_one(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"op = train", "enter")
        assert _table(app).row_count == 5
        field = app.screen.query_one("#filter", Input)
        field.value = "metric.loss"  # valid half-typed (a bare word): applied live
        await pump_until(pilot, lambda: _table(app).row_count == 0)
        field.value = "metric.loss <"  # broken: back to "op = train"
        await pump_until(pilot, lambda: app.screen.query_one("#filter-error", Static).display)
        await pump_until(pilot, lambda: _table(app).row_count == 5)
        assert app.screen.filter_text == "op = train"
