"""The runs screen over a live store: one listing, then only the runs that
change; marked runs hidden by the filter; filter typo hints; flag and
metric columns, live metrics of running runs, sorting by any column."""

from __future__ import annotations

import shutil
import threading
import time

from textual.widgets import Input, Static

from gage_core.store import layout
from gage_core.store.attribute_log import append_user_attrs
from gage_core.store.index import INDEX_NAME
from gage_core.store.store import RunStore
from gage_tui.app.run_source import RunSource
from gage_tui.app.screens.dialogs import Choice, TextPrompt
from gage_tui.app.widgets.runs_table import RunsTable
from helpers.demo_store import DEMO_RUN_IDS
from helpers.workbench import DEMO_NOW, loaded, make_app, pump_until, run_op

_TEMPLATE = DEMO_RUN_IDS[1]  # a completed train run


def _table(app) -> RunsTable:
    return app.screen.query_one("#runs-table", RunsTable)


def _copy_run(runs_dir, new_id: str) -> None:
    """A new run: the template run's meta under another id."""
    shutil.copytree(layout.meta_dir(runs_dir, _TEMPLATE), layout.meta_dir(runs_dir, new_id))
    (layout.meta_dir(runs_dir, new_id) / "id").write_text(new_id)
    shutil.copy(layout.project_file(runs_dir, _TEMPLATE), layout.project_file(runs_dir, new_id))


def _new_id(n: int) -> str:
    return f"01a2c000-{n:04x}-7000-8000-000000000000"


async def test_a_cold_load_never_runs_two_listings_at_once(demo_project, monkeypatch):
    runs_dir = demo_project / ".gage" / "runs"
    for n in range(300):
        _copy_run(runs_dir, _new_id(n))
    (runs_dir / INDEX_NAME).unlink(missing_ok=True)  # cold: every run is read
    active = [0]
    most = [0]
    lock = threading.Lock()
    original = RunSource.list_all

    def counted(self, progress=None):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            time.sleep(0.3)  # a slow disk: more time for requests to pile up
            return original(self, progress)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(RunSource, "list_all", counted)
    app = make_app(demo_project, watch=True, poll_interval=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        n = 300
        while not app.runs_loaded:
            # Requests of every kind while the listing runs: refreshes,
            # listings, and real changes on disk (watcher events).
            app.refresh_runs()
            app.request_listing()
            _copy_run(runs_dir, _new_id(n))
            n += 1
            await pilot.pause(0.05)
        await pump_until(pilot, lambda: _table(app).row_count == 7 + n)  # 7 active demo runs and the copies
        await pilot.pause(0.5)
        assert most[0] == 1
        assert app.listings == 1
        assert set(RunStore(runs_dir).run_ids()) - set(app.runs_by_id) == set()


async def test_after_the_first_load_only_changed_runs_are_read(demo_project):
    runs_dir = demo_project / ".gage" / "runs"
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW, poll_interval=0.3)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table = _table(app)
        assert table.row_count == 7
        _copy_run(runs_dir, _new_id(1))
        await pump_until(pilot, lambda: table.row_count == 8)
        # A label set from elsewhere on a run on screen: no event names it
        # (the user dir already exists), the check of rows on screen does.
        target = DEMO_RUN_IDS[2]
        append_user_attrs(layout.user_dir(runs_dir, target), set={"label": "from the cli"}, author="t")
        await pump_until(pilot, lambda: app.runs_by_id[target].label == "from the cli")
        row = table.shown_ids.index(target)
        assert table.cell_text(row, "label") == "from the cli"
        shutil.rmtree(layout.meta_dir(runs_dir, _new_id(1)))
        await pump_until(pilot, lambda: table.row_count == 7)
        assert app.listings == 1


async def test_marked_runs_hidden_by_the_filter_are_asked_about(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table = _table(app)
        trains = [i for i in table.shown_ids if app.runs_by_id[i].op_name == "train"][:2]
        table.marked = set(trains)
        await pilot.press("slash", *"op = evaluate", "enter")
        assert table.row_count == 1
        evaluate = app.runs_by_id[table.cursor_run_id]
        status = str(app.screen.query_one("#runs-status", Static).render())
        assert "2 marked (2 hidden by the filter)" in status
        await pilot.press("l")
        assert isinstance(app.screen, Choice)
        body = " ".join(str(w.render()) for w in app.screen.query("Label, Static"))
        assert "2 marked runs are hidden by the filter: act on them?" in body
        await pilot.press("c")  # clear the marks, act on the highlighted run
        assert isinstance(app.screen, TextPrompt)
        assert evaluate.name in str(app.screen.query_one("Label").render())
        await pilot.press("escape")
        assert not table.marked

        table.marked = set(trains)
        await pilot.press("t", "a")  # act on the hidden marked runs
        assert isinstance(app.screen, TextPrompt)
        title = str(app.screen.query_one("Label").render())
        assert all(app.runs_by_id[i].name in title for i in trains)
        await pilot.press("escape")
        assert table.marked == set(trains)


async def test_filter_typos_get_hints_and_a_failed_enter_is_not_applied(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table = _table(app)
        hint = app.screen.query_one("#filter-hint", Static)
        field = app.screen.query_one("#filter", Input)
        for typed, said in (
            ("status = runing", "no run has status 'runing' (did you mean 'running'?)"),
            ("op = trian", "no run has op 'trian' (did you mean 'train'?)"),
            ("metric.los < 0.1", "no run has metric 'los' (did you mean 'loss'?)"),
        ):
            field.value = ""
            await pilot.press("slash", *typed, "enter")
            assert table.row_count == 0
            assert hint.display and said in str(hint.render())
        field.value = ""
        await pilot.press("slash", *"op = train", "enter")
        assert table.row_count == 5 and not hint.display
        await pilot.press("slash", "ctrl+e", *" and (", "enter")
        error = app.screen.query_one("#filter-error", Static)
        assert error.display and "not applied: still 'op = train'" in str(error.render())
        assert field.has_class("-invalid") and field.has_focus  # stays to be fixed
        assert table.row_count == 5 and app.screen.filter_text == "op = train"


async def test_sort_by_metric_and_flag_columns_with_s_and_header_click(demo_project):
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(160, 36)) as pilot:
        await loaded(pilot)
        table = _table(app)
        keys = [c.key for c in table.columns]
        assert {"config.lr", "config.epochs", "metric.loss", "metric.accuracy"} <= set(keys)
        for _ in range(len(keys)):
            if table.sort_key == "metric.loss":
                break
            await pilot.press("s")
        assert table.sort_key == "metric.loss"
        losses = [table.metrics_of(app.runs_by_id[i]).get("loss") for i in table.shown_ids]
        present = [v for v in losses if v is not None]
        assert losses[: len(present)] == present == sorted(present)
        await pilot.press("S")
        losses = [table.metrics_of(app.runs_by_id[i]).get("loss") for i in table.shown_ids]
        assert losses[:3] == sorted(present, reverse=True)[:3]
        await pilot.click("#runs-table", offset=(table.column_x("config.lr") + 2, 0))
        assert table.sort_key == "config.lr"
        lrs = [app.runs_by_id[i].config.get("lr") for i in table.shown_ids]
        assert [v for v in lrs if v is not None] == sorted(v for v in lrs if v is not None)
        # Columns chosen by a spec, as in the compare screen.
        await pilot.press("k")
        app.screen.query_one(Input).value = "lr metric.acc*"
        await pilot.press("enter")
        assert [c.key for c in table.columns if c.kind != "attr"] == ["config.lr", "metric.accuracy"]


async def test_running_run_shows_live_metrics(app_project):
    from gage_core.process.stop import stop_run

    run_id = run_op(app_project, "ticker", {"count": 100000}, background=True)
    app = make_app(app_project, watch=True)
    try:
        async with app.run_test(size=(160, 36)) as pilot:
            await loaded(pilot)
            table = _table(app)
            await pump_until(pilot, lambda: "metric.loss" in [c.key for c in table.columns], timeout=15)
            first = table.cell_text(0, "metric.loss")
            assert table.cursor_run_id == run_id and first
            await pump_until(pilot, lambda: table.cell_text(0, "metric.loss") != first, timeout=15)
    finally:
        stop_run(RunStore(app_project / ".gage" / "runs").get(run_id), grace=1)


async def test_filter_bar_posts_one_filter_change_per_pause_in_typing(demo_project):
    from gage_tui.app.messages import FilterChanged

    seen: list = []
    app = make_app(demo_project, watch=False, clock=lambda: DEMO_NOW)
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await loaded(pilot)
        # A pause in typing is longer than the bar's delay; a loaded machine
        # can take more than the usual quarter second between two keys.
        bar = app.screen.query_one("#filter-bar")
        bar.delay = 3.0
        await pilot.press("slash", *"op = train")
        await pump_until(pilot, lambda: any(isinstance(m, FilterChanged) for m in seen))
        await pilot.pause(0.5)
        # The hook sees a message at each node it bubbles through: once per object.
        changes = list({id(m): m for m in seen if isinstance(m, FilterChanged)}.values())
        assert [(m.text, m.submitted) for m in changes] == [("op = train", False)]
        assert _table(app).row_count == 5
        await pilot.press("enter")
        changes = list({id(m): m for m in seen if isinstance(m, FilterChanged)}.values())
        assert len(changes) == 2 and (changes[-1].text, changes[-1].submitted) == ("op = train", True)
        assert _table(app).has_focus


async def test_the_runs_screen_filters_and_sorts_100k_runs(app_project):
    """The whole screen (filter bar, table, status) over 100,000 runs of
    this project (generated records, handed to the app as a listing)."""
    from dataclasses import replace

    from test_runs_table import make_runs

    from gage_core.query.filter import parse_filter
    from gage_tui.app.messages import RunsLoaded

    runs = [replace(r, project_dir=str(app_project)) for r in make_runs(100_000).values()]
    app = make_app(app_project, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        app.post_message(RunsLoaded(runs, 0.0))
        table = _table(app)
        await pump_until(pilot, lambda: table.row_count == 100_000, timeout=60)
        assert "100,000 runs" in str(app.screen.query_one("#runs-status", Static).render())
        await pilot.press("slash", *"op = train and lr < 0.05", "enter")
        run_filter = parse_filter("op = train and lr < 0.05")
        expected = {r.id for r in runs if run_filter.matches(r)}
        assert 0 < len(expected) < 100_000
        await pump_until(pilot, lambda: set(table.shown_ids) == expected, timeout=60)
        await pilot.click("#runs-table", offset=(table.column_x("metric.loss") + 2, 0))
        await pilot.click("#runs-table", offset=(table.column_x("metric.loss") + 2, 0))
        assert (table.sort_key, table.sort_reverse) == ("metric.loss", True)
        by_id = {r.id: r for r in runs}
        losses = [by_id[i].metrics.get("loss") for i in table.shown_ids]
        present = [v for v in losses if v is not None]
        assert losses[: len(present)] == present == sorted(present, reverse=True)
        row = app.screen._compositor.render_strips()[5].text  # header bar, filter (3), table header
        assert by_id[table.shown_ids[0]].name in row


async def test_a_label_from_elsewhere_on_a_run_off_screen_shows(demo_project):
    """No event announces a new entry in an existing ``.user`` dir, and the
    run is far below the rows on screen: the index's write count tells."""
    runs_dir = demo_project / ".gage" / "runs"
    for n in range(200):
        _copy_run(runs_dir, _new_id(n))
    target = _new_id(5)  # an old copy: far down the newest-first table
    append_user_attrs(layout.user_dir(runs_dir, target), set={"label": "before"}, author="t")
    app = make_app(demo_project, watch=True, clock=lambda: DEMO_NOW, poll_interval=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table = _table(app)
        await pump_until(pilot, lambda: app.runs_by_id[target].label == "before")
        assert table.shown_ids.index(target) > 60  # not on screen, nor near it
        append_user_attrs(layout.user_dir(runs_dir, target), set={"label": "from the cli"}, author="t")
        await pump_until(pilot, lambda: app.runs_by_id[target].label == "from the cli")
        row = table.shown_ids.index(target)
        assert table.cell_text(row, "label") == "from the cli"
        assert app.listings == 1


async def test_a_warm_start_paints_the_newest_screenful_before_reading_the_whole_index(demo_project, monkeypatch):
    runs_dir = demo_project / ".gage" / "runs"
    for n in range(300):
        _copy_run(runs_dir, _new_id(n))
    RunStore(runs_dir).list_runs()  # a warm index
    asked: list = []
    original = RunSource.cached

    def recorded(self, limit=None):
        runs = original(self, limit)
        asked.append((limit, len(runs), runs[0].id))
        return runs

    monkeypatch.setattr(RunSource, "cached", recorded)
    app = make_app(demo_project)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pump_until(pilot, lambda: _table(app).row_count == 307)
    newest = RunStore(runs_dir).list_runs(include_deleted=True)[0].id
    # First the newest screenful from the index, then all of it.
    assert [(limit, count) for limit, count, _first in asked] == [(200, 200), (None, 308)]
    assert {first for _limit, _count, first in asked} == {newest}
