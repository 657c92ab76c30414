"""The virtual runs table on its own: 100,000 generated runs sorted and
filtered on the whole set, rows on screen rendered from the right runs,
live updates that touch only the changed rows, a cursor that stays put."""

from __future__ import annotations

import random
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from gage_core.query.filter import parse_filter
from gage_core.store.opref import OpRef
from gage_core.store.run import Run
from gage_tui.app.widgets.runs_table import RunsTable

NOW = 1_800_000_000.0
_BASE_US = 1_700_000_000_000_000


def make_runs(count: int, start: int = 0, seed: int = 1) -> dict[str, Run]:
    rnd = random.Random(seed)
    runs = {}
    for i in range(start, start + count):
        run_id = f"{i:08x}-0000-7000-8000-000000000000"
        metrics = {"loss": round(rnd.random(), 6)} if i % 7 else {}  # some runs have no loss
        runs[run_id] = Run(
            id=run_id,
            name=f"run{i:06d}",
            runs_dir=Path("/nonexistent"),
            opref=OpRef("p", rnd.choice(["train", "prepare", "evaluate"])),
            status=rnd.choice(["completed", "error", "terminated"]),
            started=_BASE_US + i * 1_000_000,
            stopped=_BASE_US + i * 1_000_000 + 5_000_000,
            config={"lr": rnd.choice([0.1, 0.01, 0.001]), "epochs": rnd.randint(1, 50)},
            metrics=metrics,
        )
    return runs


class _CountingTable(RunsTable):
    """Counts how often each run's cells are built (rendering work)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.built: dict[str, int] = {}

    def _make_cells(self, run, live):
        self.built[run.id] = self.built.get(run.id, 0) + 1
        return super()._make_cells(run, live)


class _TableApp(App):
    def compose(self) -> ComposeResult:
        yield _CountingTable(clock=lambda: NOW, id="runs-table")


@asynccontextmanager
async def _shown(runs: dict[str, Run]):
    """A table of ``runs`` mounted and painted: (pilot, table)."""
    app = _TableApp()
    async with app.run_test(size=(150, 30)) as pilot:
        table = app.query_one(_CountingTable)
        table.set_runs(runs)
        await pilot.pause()
        yield pilot, table


def _painted_names(app) -> list[str]:
    """The run names in the rows painted on screen (not the data model)."""
    names = []
    for strip in app.screen._compositor.render_strips()[1:]:
        words = strip.text.split()
        names += [w for w in words if w.startswith("run") and w[3:].isdigit()]
    return names


@pytest.fixture(scope="module")
def many_runs() -> dict[str, Run]:
    return make_runs(100_000)


async def test_100k_runs_sorted_by_a_metric_and_filtered(many_runs):
    async with _shown(many_runs) as (pilot, table):
        app = pilot.app
        assert table.row_count == 100_000
        newest = sorted(many_runs.values(), key=lambda r: r.started, reverse=True)
        assert _painted_names(app)[:5] == [r.name for r in newest[:5]]

        table.sort_by("metric.loss", reverse=False)
        await pilot.pause()
        with_loss = sorted((r for r in many_runs.values() if "loss" in r.metrics), key=lambda r: (r.metrics["loss"], -r.started))
        assert table.shown_ids[: len(with_loss)] == [r.id for r in with_loss]
        # Runs without the metric come last whichever the direction.
        assert all("loss" not in many_runs[i].metrics for i in table.shown_ids[len(with_loss):])
        assert _painted_names(app)[:5] == [r.name for r in with_loss[:5]]
        assert "loss ▲" in app.screen._compositor.render_strips()[0].text

        table.sort_by("metric.loss", reverse=True)
        await pilot.pause()
        assert table.shown_ids[:3] == [r.id for r in sorted(with_loss, key=lambda r: (-r.metrics["loss"], -r.started))[:3]]

        run_filter = parse_filter("op = train and lr < 0.05 and metric.loss > 0.5")
        table.set_filter(lambda r: run_filter.matches(r, now=NOW))
        await pilot.pause()
        expected = [r for r in many_runs.values() if run_filter.matches(r, now=NOW)]
        assert 0 < table.row_count == len(expected) < 100_000
        assert set(table.shown_ids) == {r.id for r in expected}
        losses = [many_runs[i].metrics["loss"] for i in table.shown_ids]
        assert losses == sorted(losses, reverse=True)
        top = sorted(expected, key=lambda r: (-r.metrics["loss"], -r.started))
        assert _painted_names(app)[:5] == [r.name for r in top[:5]]

        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_run_id == table.shown_ids[-1]
        assert many_runs[table.cursor_run_id].name in _painted_names(app)


async def test_sort_by_every_column_keeps_missing_values_last():
    runs = make_runs(300)
    async with _shown(runs) as (pilot, table):
        keys = [c.sort for c in table.columns if c.sort]
        assert {"config.lr", "config.epochs", "metric.loss", "status", "name"} <= set(keys)
        for key in keys:
            for reverse in (False, True):
                table.sort_by(key, reverse)
                values = [table._value(runs[i], key) for i in table.shown_ids]
                present = [v for v in values if v not in (None, "")]
                assert values[: len(present)] == present, key  # missing last
                if key in ("config.lr", "config.epochs", "metric.loss"):
                    assert present == sorted(present, reverse=reverse), key


async def test_live_update_touches_only_the_changed_rows():
    runs = make_runs(2000)
    async with _shown(runs) as (pilot, table):
        app = pilot.app
        on_screen = table.shown_ids[:20]
        assert all(table.built.get(i) == 1 for i in on_screen)
        target = on_screen[3]
        changed = replace(runs[target], status="error", label="fixed")
        table.update_runs([changed])
        await pilot.pause()
        assert table.built[target] == 2
        assert all(table.built[i] == 1 for i in on_screen if i != target)
        assert "fixed" in app.screen._compositor.render_strips()[4].text  # the header, then rows 0 to 3


async def test_cursor_and_scroll_stay_put_when_a_batch_adds_runs():
    runs = make_runs(200)
    async with _shown(runs) as (pilot, table):
        app = pilot.app
        for _ in range(40):
            await pilot.press("down")
        assert table.cursor_row == 40
        run_id = table.cursor_run_id
        line = table.cursor_row - round(table.scroll_y)
        painted = _painted_names(app)
        # A batch of newer runs (they sort above the cursor) and one older.
        batch = list(make_runs(25, start=200, seed=2).values()) + [replace(runs[table.shown_ids[-1]], label="x")]
        table.update_runs(batch)
        await pilot.pause()
        assert table.cursor_run_id == run_id
        assert table.cursor_row == 65
        assert table.cursor_row - round(table.scroll_y) == line
        assert _painted_names(app) == painted  # the screen did not move
        # Runs removed above the cursor: still on the same run and line.
        table.update_runs(removed=table.shown_ids[:10])
        await pilot.pause()
        assert table.cursor_run_id == run_id and table.cursor_row == 55
        assert table.cursor_row - round(table.scroll_y) == line


async def test_cursor_on_the_first_row_stays_on_the_newest_run():
    runs = make_runs(50)
    async with _shown(runs) as (pilot, table):
        newer = make_runs(3, start=50)
        table.update_runs(newer.values())
        await pilot.pause()
        assert table.cursor_row == 0
        assert table.cursor_run_id == max(newer)


async def test_flag_and_metric_columns_follow_what_varies():
    runs = make_runs(50)
    same_lr = {i: replace(r, config={**r.config, "lr": 0.1, "seed": 3}) for i, r in runs.items()}
    async with _shown(same_lr) as (pilot, table):
        keys = [c.key for c in table.columns]
        assert "config.epochs" in keys and "metric.loss" in keys
        # The same in every run: not among the chosen columns, only after
        # them where the screen has room.
        for same in ("config.lr", "config.seed"):
            assert same not in keys or keys.index(same) > keys.index("metric.loss")
        # A run with another lr arrives: lr varies now, so it is a column.
        first = next(iter(same_lr.values()))
        table.update_runs([replace(first, id="ffffffff-0000-7000-8000-000000000000", config={**first.config, "lr": 0.5})])
        await pilot.pause()
        assert "config.lr" in [c.key for c in table.columns]
        # A column spec chooses instead; names matching nothing are reported.
        assert table.set_column_spec("seed metric.lo* nosuch") == ["nosuch"]
        assert [c.key for c in table.columns if c.kind != "attr"] == ["config.seed", "metric.loss"]
        assert table.set_column_spec("") == []
        assert "config.epochs" in [c.key for c in table.columns]


async def test_live_metrics_show_and_sort_in_place_of_recorded_ones():
    runs = make_runs(30)
    async with _shown(runs) as (pilot, table):
        table.sort_by("metric.loss", reverse=False)
        await pilot.pause()
        last = table.shown_ids[-1]
        table.set_live_metrics({last: {"loss": -1.0, "val_loss": 0.5}})
        await pilot.pause()
        assert table.shown_ids[0] == last
        assert table.cell_text(0, "metric.loss") == "-1"
        assert "metric.val_loss" in [c.key for c in table.columns]
        table.set_live_metrics({})
        await pilot.pause()
        assert table.shown_ids[0] != last


async def test_mark_number_and_name_stay_while_scrolling_sideways():
    runs = make_runs(20)
    async with _shown(runs) as (pilot, table):
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        top = table.shown_ids[0]
        for _ in range(60):
            await pilot.press("right")
        await pilot.pause()
        assert table.scroll_x > 0
        header, first = (s.text for s in pilot.app.screen._compositor.render_strips()[:2])
        assert "name" in header and "loss" in header and "operation" not in header
        assert runs[top].name in first
        # A header click on a scrolled column sorts by that column.
        x = table.column_x("metric.loss") - round(table.scroll_x)
        await pilot.click("#runs-table", offset=(x + 2, 0))
        assert table.sort_key == "metric.loss"
