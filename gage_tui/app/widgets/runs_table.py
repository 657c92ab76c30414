"""``RunsTable``: a virtual table of runs (Line API) for any number of runs.

Only the rows on screen are rendered; the table keeps the whole set (a
dict of runs by id), the ids the filter keeps in sort order, the marks and
the cursor. A change to some runs touches only their rows: each is taken
out of the order and put back where its new sort key goes (a bisection),
and the cursor stays on its run at the same line of the screen.

Columns are the run attributes, then one column per flag and per metric:
by default the flags whose values vary among the shown runs and the
metrics they have; a column spec (``lr metric.val_*``) chooses instead.
Every column sorts (``sort_by``, or a click on its header).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gage_core.compare.table import resolve_columns
from gage_core.query.fields import field_getter, value_number
from gage_tui.app.widgets.run_cells import WIDTH_CELLS, run_cells
from gage_tui.app.widgets.run_columns import (
    ATTRIBUTE_COLUMNS,
    ColumnStats,
    TableColumn,
    sized_columns,
    value_cell_text,
)
from gage_tui.app.widgets.run_order import order_key, sort_runs

__all__ = ["RunsTable"]


_WIDTH_SAMPLE = 2000  # runs whose values size a flag or metric column
_PAD = 1  # blank cells each side of a cell
_FIXED_COLUMNS = 3  # mark, number and name: not scrolled sideways


class RunsTable(ScrollView, can_focus=True):
    """Rows are runs (by id), newest first unless sorted otherwise."""

    DEFAULT_CSS = """
    RunsTable {
        background: $surface;
    }
    RunsTable > .runs-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    RunsTable > .runs-table--odd-row {
        background: $surface-lighten-1 40%;
    }
    RunsTable > .runs-table--cursor {
        background: $block-cursor-blurred-background;
    }
    RunsTable:focus > .runs-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    RunsTable > .runs-table--live {
        color: $accent;
        text-style: italic;
    }
    """
    COMPONENT_CLASSES = {
        "runs-table--header",
        "runs-table--odd-row",
        "runs-table--cursor",
        "runs-table--live",
    }
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_row", "First", show=False),
        Binding("end", "last_row", "Last", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    class Selected(Message):
        """Enter, or a click on the cursor row: open this run."""

        def __init__(self, run_id: str):
            super().__init__()
            self.run_id = run_id

    class SortChanged(Message):
        """The user sorted by a header click."""

        def __init__(self, key: str, reverse: bool):
            super().__init__()
            self.key = key
            self.reverse = reverse

    def __init__(self, *, clock: Callable[[], float], id: str | None = None):
        super().__init__(id=id)
        self.clock = clock
        self.marked: set[str] = set()
        self.sort_key = "timestamp"
        self.sort_reverse = True
        self.column_spec = ""
        self.unmatched_columns: list[str] = []
        self.columns: list[TableColumn] = list(ATTRIBUTE_COLUMNS)
        self._runs: dict[str, Any] = {}
        self._live: dict[str, dict] = {}
        self._keep: Callable[[Any], bool] = lambda run: True
        self._order: list[str] = []
        self._shown: set[str] = set()  # the ids in _order
        self._cursor = 0
        self._cells: LRUCache[str, tuple] = LRUCache(2048)
        self._columns_version = 0
        self._stats = ColumnStats()

    # -- data ------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def shown_ids(self) -> list[str]:
        """Run ids in the order shown."""
        return list(self._order)

    def shown_runs(self, limit: int | None = None) -> list:
        ids = self._order if limit is None else self._order[:limit]
        return [self._runs[i] for i in ids]

    def set_runs(self, runs: Mapping[str, Any]) -> None:
        """Replace the whole set of runs (a first load)."""
        self._runs = dict(runs)
        self._cells.clear()
        self._reorder(rescan=True)

    def set_filter(self, keep: Callable[[Any], bool]) -> None:
        """Show only the runs ``keep`` accepts (re-checked for all runs)."""
        self._keep = keep
        self._reorder(rescan=True)

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        """Sort by a field (``status``, ``config.lr``, ``metric.loss``);
        numbers before text, missing values last either way."""
        if reverse is None:
            reverse = not self.sort_reverse if key == self.sort_key else key in ("timestamp", "duration")
        self.sort_key, self.sort_reverse = key, reverse
        self._reorder()

    def set_column_spec(self, spec: str) -> list[str]:
        """Choose the flag and metric columns (empty: automatic); returns
        the spec items that matched nothing."""
        self.column_spec = spec.strip()
        self._choose_columns()
        self._relayout()
        return self.unmatched_columns

    def update_runs(self, changed: Iterable[Any] = (), removed: Iterable[str] = ()) -> None:
        """Some runs changed, appeared or vanished: only their rows move."""
        anchor = self._anchor()
        new_columns = False
        for run_id in removed:
            old = self._runs.get(run_id)
            if old is not None:
                if run_id in self._shown:
                    self._take_out(old)
                del self._runs[run_id]
                self._cells.discard(run_id)
                self.marked.discard(run_id)
        for run in changed:
            old = self._runs.get(run.id)
            if old is not None and run.id in self._shown:
                self._take_out(old)
            self._runs[run.id] = run
            self._cells.discard(run.id)
            if self._keep(run):
                self._put_in(run)
                new_columns |= self._note_columns(run)
        if new_columns and not self.column_spec:
            self._choose_columns()
            self._relayout()
        self._restore(anchor)

    def set_live_metrics(self, live: Mapping[str, dict]) -> None:
        """Metrics parsed so far from the output of running runs; shown
        (and sorted by) in place of the recorded ones."""
        anchor = self._anchor()
        sorts_by_metric = self.sort_key.startswith("metric.")
        changed = [rid for rid in set(live) | set(self._live) if live.get(rid) != self._live.get(rid)]
        new_keys = False
        for rid in changed:
            run = self._runs.get(rid)
            shown = rid in self._shown
            if shown and sorts_by_metric:
                self._take_out(run)
            if rid in live:
                self._live[rid] = dict(live[rid])
            else:
                self._live.pop(rid, None)
            self._cells.discard(rid)
            if shown and sorts_by_metric:
                self._put_in(run)
            if shown:
                new_keys |= self._note_columns(run)
        if new_keys and not self.column_spec:
            self._choose_columns()
            self._relayout()
        self._restore(anchor)
        if changed:
            self.refresh()

    @property
    def has_live_metrics(self) -> bool:
        return bool(self._live)

    def metrics_of(self, run) -> dict:
        if self._live:
            live = self._live.get(run.id)
            if live:
                return {**(run.metrics or {}), **live}
        return run.metrics or {}

    # -- order -----------------------------------------------------------

    def _getter(self, field: str) -> Callable[[Any], Any]:
        """run -> its value of ``field`` (None when missing)."""
        if field.startswith("metric."):
            key = field[7:]
            return lambda run: self.metrics_of(run).get(key)
        if field == "duration":
            from gage_core.store.timefmt import run_duration_us

            now = self.clock()
            return lambda run: run_duration_us(run.started, run.stopped, run.status == "running", now)
        values = field_getter(field)[1]

        def first(run):
            found = values(run)
            return found[0] if found else None

        return first

    def _value(self, run, field: str):
        return self._getter(field)(run)

    def _full_key(self, run) -> tuple:
        """The run's place in the order as one comparable key."""
        return order_key(run, self._value(run, self.sort_key), self.sort_reverse)

    def _reorder(self, rescan: bool = False) -> None:
        anchor = self._anchor()
        if rescan:
            keep = self._keep
            shown = [r for r in self._runs.values() if keep(r)]
        else:
            shown = [self._runs[i] for i in self._order]
        by_time = self.sort_key == "timestamp" and self.sort_reverse
        shown = sort_runs(shown, None if by_time else self._getter(self.sort_key), self.sort_reverse)
        self._order = [r.id for r in shown]
        self._shown = set(self._order)
        if rescan:
            self._scan_columns(shown)
            self._choose_columns()
        self._restore(anchor)

    def _index_of(self, run) -> int | None:
        key = self._full_key(run)
        i = bisect.bisect_left(self._order, key, key=lambda rid: self._full_key(self._runs[rid]))
        if i < len(self._order) and self._order[i] == run.id:
            return i
        # The order went stale (a running run's duration grows): search.
        try:
            return self._order.index(run.id)
        except ValueError:
            return None

    def _take_out(self, old) -> None:
        i = self._index_of(old)
        if i is not None:
            del self._order[i]
            self._shown.discard(old.id)
            if i < self._cursor or (i == self._cursor and self._cursor >= len(self._order)):
                self._cursor = max(0, self._cursor - 1)

    def _put_in(self, run) -> None:
        key = self._full_key(run)
        i = bisect.bisect_left(self._order, key, key=lambda rid: self._full_key(self._runs[rid]))
        self._order.insert(i, run.id)
        self._shown.add(run.id)

    # -- cursor and scroll ---------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_run_id(self) -> str | None:
        return self._order[self._cursor] if 0 <= self._cursor < len(self._order) else None

    def _anchor(self) -> tuple[str | None, int, bool]:
        """(run under the cursor, its line on screen, at the very top)."""
        run_id = self.cursor_run_id
        at_top = self._cursor == 0 and round(self.scroll_y) == 0
        return run_id, self._cursor - round(self.scroll_y), at_top

    def _restore(self, anchor: tuple[str | None, int, bool]) -> None:
        """Keep the cursor's run on the same screen line; on the first row
        at the top, stay there (the newest run, by default)."""
        run_id, line, at_top = anchor
        self._cursor = min(self._cursor, max(0, len(self._order) - 1))
        self.virtual_size = Size(self._total_width(), len(self._order) + 1)
        if at_top or run_id is None:
            self.refresh()
            return
        row = self._row_of(run_id)
        if row is None:
            self._scroll_to_cursor()
            self.refresh()
            return
        self._cursor = row
        self.scroll_to(y=max(0, row - line), animate=False, immediate=True)
        self.refresh()

    def _row_of(self, run_id: str) -> int | None:
        if run_id not in self._shown:
            return None
        return self._index_of(self._runs[run_id])

    def move_cursor(self, row: int, animate: bool = False) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        self._cursor = max(0, min(row, len(self._order) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        page = self._page()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page())

    def action_first_row(self) -> None:
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select(self) -> None:
        if self.cursor_run_id is not None:
            self.post_message(self.Selected(self.cursor_run_id))

    # -- marks -----------------------------------------------------------

    def toggle_mark(self) -> None:
        """Mark or unmark the cursor's run, then move down a row."""
        run_id = self.cursor_run_id
        if run_id is None:
            return
        self.marked.symmetric_difference_update({run_id})
        self.move_cursor(self._cursor + 1)

    def mark_all(self) -> None:
        self.marked = set(self._order)
        self.refresh()

    def clear_marks(self) -> None:
        self.marked.clear()
        self.refresh()

    def hidden_marked(self) -> list[str]:
        """Marked runs the filter hides now."""
        return [rid for rid in self.marked if rid in self._runs and rid not in self._shown]

    # -- columns ---------------------------------------------------------

    def _scan_columns(self, shown: list) -> None:
        """Flag values of the shown runs (which vary) and their metric keys."""
        self._stats = ColumnStats()
        for run in shown:
            self._note_columns(run)

    def _note_columns(self, run) -> bool:
        """Count ``run`` in the column choice; True when that adds a column."""
        return self._stats.note(run.config or {}, self.metrics_of(run))

    def _choose_columns(self) -> None:
        if self.column_spec:
            sample = self.shown_runs(_WIDTH_SAMPLE * 5)
            metrics = {r.id: self.metrics_of(r) for r in sample}
            chosen, self.unmatched_columns = resolve_columns(self.column_spec, sample, metrics)
            extra = [(c.key, c.kind) for c in chosen if c.kind != "attr"]
        else:
            self.unmatched_columns = []
            extra = self._stats.automatic()
        if_room = [] if self.column_spec else self._stats.constant()
        columns = sized_columns(
            extra, self.shown_runs(_WIDTH_SAMPLE), self._column_cell, self.scrollable_content_region.width, _PAD, if_room
        )
        if columns != self.columns:
            self.columns = columns
            self._columns_version += 1
            self._cells.clear()

    def _column_cell(self, run, key: str) -> str:
        if key in WIDTH_CELLS:
            return WIDTH_CELLS[key](run).plain
        if key.startswith("metric."):
            return value_cell_text(self.metrics_of(run).get(key[7:]))
        return value_cell_text((run.config or {}).get(key[7:]))

    def on_resize(self, event: events.Resize) -> None:
        # Spare width goes to the columns that can use it (and back).
        self._choose_columns()
        self._relayout()

    def _total_width(self) -> int:
        return sum(c.width + 2 * _PAD for c in self.columns)

    def _relayout(self) -> None:
        self.virtual_size = Size(self._total_width(), len(self._order) + 1)
        self.refresh()

    def column_x(self, key: str) -> int:
        """The x offset of a column's first cell (its left padding)."""
        x = 0
        for column in self.columns:
            if column.key == key:
                return x
            x += column.width + 2 * _PAD
        raise KeyError(key)

    def column_at(self, x: int) -> TableColumn | None:
        for column in self.columns:
            width = column.width + 2 * _PAD
            if x < width:
                return column
            x -= width
        return None

    # -- cells -----------------------------------------------------------

    def cells(self, run_id: str, row: int | None = None) -> list[Text]:
        """The cells of a run's row, one ``Text`` per column."""
        run = self._runs[run_id]
        hit = self._cells.get(run_id)
        live = self._live.get(run_id)
        if hit is not None and hit[0] is run and hit[1] == self._columns_version and hit[2] is live:
            cells = hit[3]
        else:
            cells = self._make_cells(run, live)
            self._cells[run_id] = (run, self._columns_version, live, cells)
        index = self._order.index(run_id) if row is None else row
        mark = Text("●", style="bold yellow") if run_id in self.marked else Text("")
        return [mark, Text(str(index + 1), style="dim"), *cells]

    def _make_cells(self, run, live: dict | None) -> list[Text]:
        """Cells after the mark and the row number."""
        attrs = run_cells(run, self.clock())
        out = []
        for column in self.columns[2:]:
            if column.kind == "attr":
                out.append(attrs[column.key])
                continue
            value = (
                self.metrics_of(run).get(column.name)
                if column.kind == "metric"
                else (run.config or {}).get(column.name)
            )
            style = ""
            if column.kind == "metric" and live and column.name in live:
                style = self.get_component_rich_style("runs-table--live", partial=True)
            justify = "right" if value_number(value) is not None and not isinstance(value, str) else "left"
            out.append(Text(value_cell_text(value), style=style, justify=justify))
        return out

    def cell_text(self, row: int, key: str) -> str:
        """Plain text of one cell (what the screen shows, unclipped)."""
        run_id = self._order[row]
        keys = [c.key for c in self.columns]
        return self.cells(run_id, row)[keys.index(key)].plain

    def column_texts(self, key: str) -> list[str]:
        return [self.cell_text(row, key) for row in range(len(self._order))]

    def refresh_times(self) -> None:
        """Repaint the rows on screen (ages and durations move on)."""
        top = round(self.scroll_y)
        for run_id in self._order[top : top + self.size.height]:
            self._cells.discard(run_id)
        self.refresh()

    # -- rendering -------------------------------------------------------

    def _line(self, cells: list[Text], style: Style) -> Strip:
        console = self.app.console
        line = Text(no_wrap=True, overflow="ellipsis")
        for column, cell in zip(self.columns, cells):
            cell = cell.copy()
            cell.truncate(column.width, overflow="ellipsis", pad=False)
            pad = column.width - cell.cell_len
            left = pad if cell.justify == "right" else 0
            line.append(" " * (_PAD + left))
            line.append_text(cell)
            line.append(" " * (_PAD + pad - left))
        segments = list(line.render(console))
        # The row's style reaches the right edge when the columns are narrower.
        width = max(self._total_width(), self.scrollable_content_region.width)
        return Strip(segments).apply_style(style).extend_cell_length(width, style)

    def _header(self) -> Strip:
        cells = []
        for column in self.columns:
            header = column.header
            if column.sort == self.sort_key and column.key != "index":
                header += " ▼" if self.sort_reverse else " ▲"
            cells.append(Text(header))
        return self._line(cells, self.get_component_rich_style("runs-table--header"))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        base = self.rich_style
        if y == 0:
            strip = self._header()
        else:
            row = round(self.scroll_y) + y - 1
            if row >= len(self._order):
                return Strip.blank(width, base)
            style = base
            if row % 2:
                style += self.get_component_rich_style("runs-table--odd-row")
            if row == self._cursor:
                style += self.get_component_rich_style("runs-table--cursor")
            strip = self._line(self.cells(self._order[row], row), style)
        # The mark, number and name stay put while the rest scrolls sideways.
        fixed = min(self._fixed_width(), width)
        if not scroll_x or not fixed:
            return strip.crop_extend(scroll_x, scroll_x + width, base)
        return Strip.join([
            strip.crop_extend(0, fixed, base),
            strip.crop_extend(fixed + scroll_x, scroll_x + width, base),
        ])

    def _fixed_width(self) -> int:
        return sum(c.width + 2 * _PAD for c in self.columns[:_FIXED_COLUMNS])

    def _content_x(self, x: int) -> int:
        """The x in the whole row of a screen column ``x``."""
        return x if x < self._fixed_width() else x + round(self.scroll_x)

    # -- mouse -----------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self.column_at(self._content_x(offset.x))
            if column is not None and column.sort:
                self.sort_by(column.sort)
                self.post_message(self.SortChanged(self.sort_key, self.sort_reverse))
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self._order):
            return
        if row == self._cursor:
            self.action_select()
        else:
            self.move_cursor(row)


