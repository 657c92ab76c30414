"""Compare screen: runs side by side (attributes, flags, metrics), columns
chosen by names or globs, sortable, live while runs progress, a plot of a
metric over steps for the runs, and export to CSV.

The model is gage_core.compare.table (table, sorting, CSV) and
gage_core.compare.series (summaries, live output parsing); the table is
built in a worker thread and applied here.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual_plotext import PlotextPlot

from gage_tui.app.literal import literal, visible
from gage_tui.app.widgets.run_cells import status_text

__all__ = ["CompareScreen", "MAX_PLOT_RUNS"]

MAX_PLOT_RUNS = 10
# Distinct line colours (RGB works in plotext and Rich); the table's first
# column shows each plotted run's colour, so it is the plot's legend.
_COLORS = [
    (86, 180, 233), (230, 159, 0), (0, 200, 120), (240, 80, 80), (204, 121, 167),
    (240, 228, 66), (150, 120, 255), (0, 150, 160), (255, 140, 200), (180, 180, 180),
]


class _Summaries:
    """Summaries gathered once per refresh (``build_table`` asks per run)."""

    def __init__(self, by_id: dict):
        self.by_id = by_id

    def get(self, run):
        return self.by_id[run.id]


class CompareScreen(Screen):
    CSS_PATH = "compare.tcss"
    HELP_TITLE = "Compare"
    BINDINGS = [
        Binding("escape", "back", "Back", id="compare-back"),
        Binding("slash", "focus_columns", "Columns", id="compare-columns"),
        Binding("s", "sort", "Sort by column", id="compare-sort"),
        Binding("m", "next_metric", "Plot metric", id="compare-metric"),
        Binding("M", "prev_metric", "Previous plot metric", show=False, id="compare-metric-prev"),
        Binding("space", "toggle_plot_run", "Plot run on/off", show=False, id="compare-plot-run"),
        Binding("p", "toggle_plot", "Show/hide plot", show=False, id="compare-plot"),
        Binding("e", "export", "Export CSV", id="compare-export"),
    ]

    def __init__(self, run_ids: list[str], columns: str = ""):
        super().__init__()
        self.run_ids = list(run_ids)
        self.column_spec = columns
        self.sort_key: str | None = None
        self.sort_reverse = False
        self.metric: str | None = None
        self.metrics: list[str] = []
        self.plot_ids: set[str] = set()
        self.table_model = None
        self.series: dict[str, dict] = {}
        self._runs: list = []
        self._cache = None
        self._lock = threading.Lock()
        self._shape: tuple = ()
        self._row_ids: list[str] = []
        self.plot_runs_drawn = 0
        self.exported_path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            value=self.column_spec,
            placeholder="columns: name status lr metric.val_* config.*   (empty = default; / to focus)",
            id="compare-columns",
        )
        yield DataTable(id="compare-table", cursor_type="cell", zebra_stripes=True)
        yield PlotextPlot(id="compare-plot")
        yield Static("", id="compare-status")
        yield Footer()

    def on_mount(self) -> None:
        from gage_core.compare.series import SummaryCache

        self._cache = SummaryCache(self.app.store)
        self.sub_title = f"compare {len(self.run_ids)} runs"
        self.query_one(DataTable).focus()
        self.watch(self.app, "runs_delta", lambda _delta: self.runs_changed(self.app.runs))
        self.set_interval(1.0, self._tick)

    # -- data ------------------------------------------------------------

    def runs_changed(self, runs: list) -> None:
        by_id = {r.id: r for r in runs}
        self._runs = [by_id[i] for i in self.run_ids if i in by_id]
        self.refresh_table()

    def _tick(self) -> None:
        if any(r.status == "running" for r in self._runs):
            self.refresh_table()

    def refresh_table(self) -> None:
        self._build(list(self._runs), self.column_spec, self.sort_key, self.sort_reverse)

    @work(thread=True, exclusive=True, group="compare-build", exit_on_error=False)
    def _build(self, runs: list, spec: str, sort_key, reverse: bool) -> None:
        from gage_core.compare.table import build_table

        with self._lock:
            summaries = {r.id: self._cache.get(r) for r in runs}
        table = build_table(runs, spec, summaries=_Summaries(summaries), now=self.app.clock())
        if sort_key and any(c.key == sort_key for c in table.columns):
            table.sort(sort_key, reverse)
        series = {r.id: summaries[r.id].series for r in runs}
        self.app.call_from_thread(self._apply, table, series)

    def _apply(self, table, series: dict) -> None:
        if not self.is_mounted:
            return
        self.table_model = table
        self.series = series
        self.metrics = sorted({k for s in series.values() for k in s})
        if self.metric not in self.metrics:
            self.metric = next((m for m in ("loss", "val_loss") if m in self.metrics), self.metrics[0] if self.metrics else None)
        self._fill_table()
        self._draw_plot()
        self._update_status()

    # -- table -----------------------------------------------------------

    def _headers(self) -> list[str]:
        cols = self.table_model.columns
        names = [c.name for c in cols]
        out = []
        for c in cols:
            h = c.name if names.count(c.name) == 1 else c.key
            if c.key == self.sort_key:
                h += " ▼" if self.sort_reverse else " ▲"
            out.append(h)
        return out

    def _cell(self, run, column):
        model = self.table_model
        value = model.value(run.id, column.key)
        if column.key == "status":
            return status_text(value or "")
        if column.key == "started":
            from gage_core.store.timefmt import format_ago

            return Text(format_ago(value, self.app.clock()) if value else "")
        if column.key == "duration":
            from gage_core.store.timefmt import format_duration

            return Text(format_duration(value))
        text = model.text(run.id, column)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            style = "italic cyan" if column.kind == "metric" and run.id in model.live else ""
            return Text(visible(text), style=style, justify="right")
        return literal(text)

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        model = self.table_model
        headers = self._headers()
        shape = (tuple(c.key for c in model.columns), tuple(headers))
        row_ids = [r.id for r in model.runs]
        colors = self.plot_colors()
        rows = [[Text("●", style="bold rgb({},{},{})".format(*colors[r.id])) if r.id in colors else Text("")]
                + [self._cell(r, c) for c in model.columns] for r in model.runs]
        if shape == self._shape and row_ids == self._row_ids:
            for r, (rid, cells) in enumerate(zip(row_ids, rows)):
                old = table.get_row(rid)
                for i, (new, prev) in enumerate(zip(cells, old)):
                    if str(new) != str(prev):
                        table.update_cell_at((r, i), new)
            return
        cursor = self._cursor()
        table.clear(columns=shape != self._shape)
        if shape != self._shape:
            table.add_column("", key="_plot", width=1)
            for c, h in zip(model.columns, headers):
                table.add_column(literal(h), key=c.key)
        for rid, cells in zip(row_ids, rows):
            table.add_row(*cells, key=rid)
        self._shape, self._row_ids = shape, row_ids
        rid, col = cursor
        row = row_ids.index(rid) if rid in row_ids else 0
        keys = ["_plot", *shape[0]]
        column = keys.index(col) if col in keys else min(1, len(keys) - 1)
        if row_ids:
            table.move_cursor(row=row, column=column, animate=False)

    def _cursor(self) -> tuple[str | None, str | None]:
        table = self.query_one(DataTable)
        if not self._row_ids or not self._shape:
            return None, None
        row, col = table.cursor_coordinate
        keys = ["_plot", *self._shape[0]]
        return (
            self._row_ids[row] if 0 <= row < len(self._row_ids) else None,
            keys[col] if 0 <= col < len(keys) else None,
        )

    def current_column_key(self) -> str | None:
        return self._cursor()[1]

    def current_run_id(self) -> str | None:
        return self._cursor()[0]

    def shown_columns(self) -> list[str]:
        return [c.key for c in self.table_model.columns] if self.table_model else []

    def shown_run_ids(self) -> list[str]:
        return [r.id for r in self.table_model.runs] if self.table_model else []

    # -- plot ------------------------------------------------------------

    def plotted_run_ids(self) -> list[str]:
        ids = self.shown_run_ids()
        chosen = [i for i in ids if i in self.plot_ids]
        return (chosen or ids)[:MAX_PLOT_RUNS]

    def plot_colors(self) -> dict[str, tuple]:
        """Run id -> line colour of the runs in the plot (a run keeps its
        colour whatever the sort order)."""
        order = {rid: i for i, rid in enumerate(self.run_ids)}
        return {rid: _COLORS[order.get(rid, 0) % len(_COLORS)] for rid in self.plotted_run_ids()}

    def _draw_plot(self) -> None:
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        drawn = 0
        steps: list = []
        names = {r.id: r.name for r in self._runs}
        if self.metric:
            for rid, color in self.plot_colors().items():
                points = self.series.get(rid, {}).get(self.metric)
                if not points:
                    continue
                xs = [p[0] for p in points]
                steps.extend(xs)
                plt.plot(xs, [p[1] for p in points], marker="braille", color=color, label=names.get(rid, rid[:8]))
                drawn += 1
        if steps and all(float(x).is_integer() for x in steps):
            plt.xticks(_integer_ticks(int(min(steps)), int(max(steps))))
        if drawn:
            plt.title(f"{self.metric} by step   (● colours in the table; m: next metric, space: choose runs)")
            plt.xlabel("step")
        else:
            plt.title("no metric series yet: runs record them when output lines carry step=N")
        self.plot_runs_drawn = drawn
        widget.refresh()

    # -- status ----------------------------------------------------------

    def _update_status(self) -> None:
        model = self.table_model
        parts = [f"{len(model.runs)} runs"]
        if model.live:
            parts.append(f"{len(model.live)} live")
        if self.sort_key:
            parts.append(f"sort: {self.sort_key} {'▼' if self.sort_reverse else '▲'}")
        if self.metric:
            plotted = f"{self.plot_runs_drawn} runs"
            chosen = [i for i in self.shown_run_ids() if i in self.plot_ids] or self.shown_run_ids()
            if len(chosen) > MAX_PLOT_RUNS:
                # Never a silent cut: say how many are left out and how to choose.
                plotted = f"{self.plot_runs_drawn} of {len(chosen)} runs, at most {MAX_PLOT_RUNS}: space chooses"
            parts.append(f"plot: {self.metric} ({plotted})")
        if model.unmatched:
            parts.append("no column matches: " + ", ".join(model.unmatched))
        self.query_one("#compare-status", Static).update(literal("  ·  ".join(parts)))

    # -- events and actions ------------------------------------------------

    @on(Input.Submitted, "#compare-columns")
    def _columns_submitted(self, event: Input.Submitted) -> None:
        self.column_spec = event.value.strip()
        self.refresh_table()
        self.query_one(DataTable).focus()

    @on(DataTable.HeaderSelected, "#compare-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key != "_plot":
            self.sort_by(key)

    @on(DataTable.CellSelected, "#compare-table")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        from gage_tui.app.screens.run import RunScreen

        self.app.push_screen(RunScreen(str(event.cell_key.row_key.value)))

    def sort_by(self, key: str) -> None:
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = key, False
        self.refresh_table()

    def action_sort(self) -> None:
        key = self.current_column_key()
        if key and key != "_plot":
            self.sort_by(key)

    def action_back(self) -> None:
        field = self.query_one("#compare-columns", Input)
        if field.has_focus:
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_focus_columns(self) -> None:
        self.query_one("#compare-columns", Input).focus()

    def _step_metric(self, step: int) -> None:
        if not self.metrics:
            self.notify("No metric series to plot yet.")
            return
        i = self.metrics.index(self.metric) if self.metric in self.metrics else -1
        self.metric = self.metrics[(i + step) % len(self.metrics)]
        self._draw_plot()
        self._update_status()

    def action_next_metric(self) -> None:
        self._step_metric(1)

    def action_prev_metric(self) -> None:
        self._step_metric(-1)

    def action_toggle_plot_run(self) -> None:
        rid = self.current_run_id()
        if rid is None:
            return
        self.plot_ids.symmetric_difference_update({rid})
        self._fill_table()
        self._draw_plot()
        self._update_status()
        table = self.query_one(DataTable)
        if table.cursor_row < len(self._row_ids) - 1:
            table.move_cursor(row=table.cursor_row + 1, animate=False)

    def action_toggle_plot(self) -> None:
        plot = self.query_one(PlotextPlot)
        plot.display = not plot.display

    def action_export(self) -> None:
        from gage_tui.app.screens.dialogs import TextPrompt

        if self.table_model is None:
            return
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self.app.clock()))
        default = str(self._base_dir() / f"compare-{stamp}.csv")
        self.app.push_screen(
            TextPrompt("Export the compare table to CSV", default, "A relative path is relative to the project directory."),
            self._export_to,
        )

    def _base_dir(self) -> Path:
        project = self.app.project
        return Path(project.dir) if project.dir else Path(self.app.settings.cwd)

    def _export_to(self, value: str | None) -> None:
        if not value or not value.strip():
            return
        path = Path(value.strip()).expanduser()
        if not path.is_absolute():
            path = self._base_dir() / path
        try:
            self.table_model.write_csv(path)
        except OSError as e:
            self.notify(f"Cannot write {path}: {e.strerror or e}", severity="error")
            return
        self.exported_path = path
        self.notify(f"Exported {len(self.table_model.runs)} runs to {path}")


def _integer_ticks(lo: int, hi: int, most: int = 8) -> list[int]:
    """Whole-number ticks from ``lo`` to ``hi`` (steps are counted, so a
    tick at 5.8 means nothing)."""
    step = max(1, -(-(hi - lo) // (most - 1)))
    return list(range(lo, hi + 1, step))
