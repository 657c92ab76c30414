"""The runs table at every terminal size: a one-row filter bar on a short
screen, columns that tell nothing fold away on a narrow one so a sweep's
flags are in view, and a wide screen's spare width goes to clipped
columns and to the flags every run shares."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from gage_core.store.opref import OpRef
from gage_core.store.run import Run
from gage_tui.app.widgets.run_columns import ATTRIBUTE_COLUMNS, sized_columns
from gage_tui.app.widgets.runs_table import RunsTable
from helpers.demo_store import write_sweep_store
from helpers.workbench import loaded, make_app

NOW = 1_800_000_000.0
_BASE_US = 1_700_000_000_000_000
_PAD = 1


def sweep_runs(count: int = 60) -> dict[str, Run]:
    """One op, no labels or tags: lr and batch vary, optimizer does not."""
    runs = {}
    for i in range(count):
        run_id = f"{i:08x}-0000-7000-8000-000000000000"
        runs[run_id] = Run(
            id=run_id,
            name=f"run{i:06d}",
            runs_dir=Path("/nonexistent"),
            opref=OpRef("p", "train"),
            status="completed",
            started=_BASE_US + i * 1_000_000,
            stopped=_BASE_US + i * 1_000_000 + 5_000_000,
            config={"lr": (0.1, 0.01, 0.001)[i % 3], "batch": (16, 32)[i % 2], "optimizer": "adam"},
            metrics={"loss": round(1 / (i + 2), 4)},
        )
    return runs


class _TableApp(App):
    def compose(self) -> ComposeResult:
        yield RunsTable(clock=lambda: NOW, id="runs-table")


def _screen_text(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_narrow_screen_folds_columns_that_tell_nothing(size):
    app = _TableApp()
    async with app.run_test(size=size) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(sweep_runs())
        await pilot.pause()
        keys = [c.key for c in table.columns]
        # One op, no labels, no tags: those columns make room for the flags.
        assert "op" not in keys and "label" not in keys and "tags" not in keys
        header = _screen_text(app)[0]
        assert "batch" in header and "lr" in header
        assert "operation" not in header


async def test_narrow_screen_keeps_columns_that_differ():
    runs = sweep_runs()
    first = next(iter(runs))
    runs[first] = replace(runs[first], opref=OpRef("p", "evaluate"))
    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(runs)
        await pilot.pause()
        keys = [c.key for c in table.columns]
        assert "op" in keys  # two ops: the column tells them apart
        assert "label" not in keys


async def test_wide_screen_shows_shared_flags_and_fills_the_row():
    app = _TableApp()
    async with app.run_test(size=(220, 60)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(sweep_runs())
        await pilot.pause()
        keys = [c.key for c in table.columns]
        assert {"op", "label", "tags"} <= set(keys)
        assert "config.optimizer" in keys  # same for every run, shown as there is room
        assert keys.index("config.optimizer") > keys.index("metric.loss")
        # The cursor row's style reaches the right edge.
        cursor_style = table.get_component_rich_style("runs-table--cursor")
        line = table.render_line(1)
        assert line.cell_length == table.scrollable_content_region.width
        assert all(seg.style is not None and seg.style.bgcolor == cursor_style.bgcolor for seg in line)


async def test_resizing_gives_the_width_back():
    app = _TableApp()
    async with app.run_test(size=(220, 40)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(sweep_runs())
        await pilot.pause()
        assert "config.optimizer" in [c.key for c in table.columns]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        keys = [c.key for c in table.columns]
        assert "config.optimizer" not in keys and "op" not in keys
        await pilot.resize_terminal(220, 40)
        await pilot.pause()
        assert "config.optimizer" in [c.key for c in table.columns]


async def test_remote_status_is_never_clipped():
    runs = sweep_runs(10)
    first = next(iter(runs))
    runs[first] = replace(runs[first], status="running", executor="ray")
    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs(runs)
        table.sort_by("status")
        await pilot.pause()
        row = next(r for r in range(table.row_count) if table.cell_text(r, "status") == "running@ray")
        painted = _screen_text(app)[1 + row]
        assert "running@ray" in painted


async def test_one_run_folds_nothing_and_a_flag_and_metric_of_one_name_differ():
    run = next(iter(sweep_runs(1).values()))
    run = replace(run, config={**run.config, "samples": 10}, metrics={"samples": 10})
    app = _TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RunsTable)
        table.set_runs({run.id: run})
        await pilot.pause()
        keys = [c.key for c in table.columns]
        assert "op" in keys  # which op a lone run ran is not "nothing"
        headers = [c.header for c in table.columns]
        assert "config.samples" in headers and "metric.samples" in headers


@pytest.mark.parametrize(("size", "rows"), [((80, 24), 1), ((200, 50), 3)])
async def test_filter_bar_takes_one_row_on_a_short_screen(tmp_path, size, rows):
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parents[2] / "examples", project, ignore=shutil.ignore_patterns(".gage", "__pycache__"))
    write_sweep_store(project, 30)
    app = make_app(project)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        filter_input = app.screen.query_one("#filter")
        assert filter_input.region.height == rows
        # The table starts right below it.
        assert app.screen.query_one("#runs-table").region.y == filter_input.region.bottom
        # Typing still works in the one-row form, and the text is on screen.
        await pilot.press("slash", *"lr > 0.1")
        await pilot.pause()
        assert "lr > 0.1" in "\n".join(_screen_text(app))


# -- sized_columns on its own ---------------------------------------------

_KEYS = ("op", "status", "label", "tags")
_text = st.text(alphabet="abc xyz@[]", max_size=50)
_sample_run = st.fixed_dictionaries(
    {k: _text for k in _KEYS},
    optional={"config.lr": _text, "metric.loss": _text, "config.seed": _text},
)


@settings(max_examples=200, deadline=None)
@given(
    sample=st.lists(_sample_run, max_size=12),
    fit_width=st.integers(0, 320),
    extra=st.lists(st.sampled_from([("config.lr", "flag"), ("metric.loss", "metric")]), unique=True),
    if_room=st.lists(st.sampled_from([("config.seed", "flag")]), unique=True),
)
def test_sized_columns_never_shrink_and_never_overflow_what_fits(sample, fit_width, extra, if_room):
    def cell(run, key):
        return run.get(key, "")

    columns = sized_columns(extra, sample, cell, fit_width, _PAD, if_room)
    by_key = {c.key: c for c in columns}
    base = {c.key: c.width for c in ATTRIBUTE_COLUMNS}
    for column in ATTRIBUTE_COLUMNS:
        if column.key not in by_key:
            # Folded: only a column whose values are all the same, only when
            # crowded (every column at its widest fits in 200 cells).
            assert column.key in ("op", "label", "tags")
            assert len({cell(r, column.key) for r in sample}) <= 1
            assert len(sample) > 1
            assert fit_width < 200
        else:
            assert by_key[column.key].width >= base[column.key]
    for key, _ in extra:
        assert key in by_key  # the chosen flags and metrics are always there
    widest_status = max((len(cell(r, "status")) for r in sample), default=0)
    assert by_key["status"].width >= min(24, widest_status)
    total = sum(c.width + 2 * _PAD for c in columns)
    if any(k in by_key for k, _ in if_room):
        assert total <= fit_width  # an if-room column only where it fits whole
    if total > fit_width:
        # Overflowing only by columns that may not shrink: nothing grew.
        for column in columns:
            if column.key in ("label", "tags", "op"):
                assert column.width == base[column.key]
