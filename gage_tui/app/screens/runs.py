"""Runs screen: every run of the project, filtered, sorted and marked."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from gage_tui.app.literal import literal
from gage_tui.app.widgets.banner import ProblemsBanner
from gage_tui.app.widgets.run_cells import RUN_COLUMNS, SORT_KEYS, run_row

__all__ = ["RunsScreen", "MAX_ROWS"]

# The built-in DataTable's first paint costs ~0.17 ms a row: past a few
# thousand rows the filter is the way to narrow, not scrolling.
MAX_ROWS = 1000
_FIRST_PAINT_ROWS = 100
_FILTER_DELAY = 0.25  # seconds of no typing before the filter applies


class RunsScreen(Screen):
    """The table of runs, newest first."""

    CSS_PATH = "runs.tcss"
    BINDINGS = [
        Binding("enter", "open_run", "Open", id="runs-open"),
        Binding("o", "output", "Output", id="runs-output"),
        Binding("slash", "focus_filter", "Filter", id="runs-filter"),
        Binding("space", "toggle_mark", "Mark", show=False, id="runs-mark"),
        Binding("l", "label", "Label", show=False, id="runs-label"),
        Binding("t", "tag", "Tag", show=False, id="runs-tag"),
        Binding("c", "comment", "Comment", show=False, id="runs-comment"),
        Binding("x", "stop", "Stop", id="runs-stop"),
        Binding("d", "delete", "Delete", id="runs-delete"),
        Binding("u", "restore", "Restore", show=False, id="runs-restore"),
        Binding("R", "rerun", "Re-run", id="runs-rerun"),
        Binding("s", "cycle_sort", "Sort", show=False, id="runs-sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="runs-sort-reverse"),
        Binding("z", "toggle_trash", "Trash", show=False, id="runs-trash"),
        Binding("P", "toggle_all_projects", "All projects", show=False, id="runs-all-projects"),
        Binding("a", "mark_all", "Mark all", show=False, id="runs-mark-all"),
        Binding("A", "clear_marks", "Clear marks", show=False, id="runs-clear-marks"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="runs-clear-filter"),
        # COMPARE engineer: compare and diff screens.
        Binding("C", "compare", "Compare", id="runs-compare"),
        Binding("D", "diff", "Diff two runs", show=False, id="runs-diff"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self._filter = None
        self.sort_key = "timestamp"  # started, else staged, else initialized
        self.sort_reverse = True
        self.show_trash = False
        self.all_projects = False
        self.other_projects = 0  # runs hidden because they belong elsewhere
        self.marked: set[str] = set()
        self.shown_runs: list = []
        self._row_keys: list[str] = []
        self._fill_generation = 0
        self._filter_timer = None
        self._submitted_filter: tuple = (None, "")  # (filter, text) of the last enter

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ProblemsBanner()
        with Vertical(id="filter-bar"):
            yield Input(
                placeholder="filter: op = train and metric.loss < 0.2 and started in last 1 day   (/ to focus)",
                id="filter",
            )
            yield Static("", id="filter-error")
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield Static("Loading runs…", id="runs-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for header, key, width in RUN_COLUMNS:
            table.add_column(header, key=key, width=width or self._metrics_width())
        table.focus()
        self.sub_title = self._project_title()
        if self.app.runs_loaded:
            self.runs_changed(self.app.runs)

    def _metrics_width(self) -> int:
        # The metrics column takes what the fixed columns leave (each
        # column has one cell of padding on both sides).
        fixed = sum((w or 0) + 2 for _, _, w in RUN_COLUMNS)
        return max(20, self.app.size.width - fixed - 2)

    def on_resize(self) -> None:
        table = self.query_one(DataTable)
        column = table.columns.get("metrics")
        if column is not None and column.width != self._metrics_width():
            column.width = self._metrics_width()
            table.refresh()

    def _project_title(self) -> str:
        project = self.app.project
        if project.dir is None:
            return f"no project  ·  runs in {project.runs_dir}"
        runs = Path(project.runs_dir)
        try:
            runs_text = str(runs.relative_to(project.dir))
        except ValueError:
            runs_text = str(runs)
        return f"project {project.dir.name}  ·  runs in {runs_text}"

    # -- data ----------------------------------------------------------

    def runs_changed(self, runs: list) -> None:
        self._rebuild(runs)

    def load_progress(self, progress: tuple[int, int]) -> None:
        done, total = progress
        self.query_one("#runs-status", Static).update(f"Loading runs… {done:,} of {total:,} read")

    def project_changed(self, project) -> None:
        self.query_one(ProblemsBanner).refresh_count()

    def _filtered(self, runs: list) -> list:
        from gage_tui.cli.runs_support import project_matcher

        container = "trash" if self.show_trash else "active"
        out = [r for r in runs if r.container == container]
        if not self.all_projects:
            # As gage ls: this project's runs unless asked for all (P).
            mine = project_matcher(self.app.project)
            kept = [r for r in out if mine(r)]
            self.other_projects = len(out) - len(kept)
            out = kept
        else:
            self.other_projects = 0
        if self._filter is not None:
            now = self.app.clock()
            out = [r for r in out if self._filter.matches(r, now=now)]
        return out

    def _sorted(self, runs: list) -> list:
        from gage_core.query.sort import sort_runs

        key = ("-" if self.sort_reverse else "") + self.sort_key
        return sort_runs(runs, [key])

    def _rebuild(self, runs: list) -> None:
        table = self.query_one(DataTable)
        matching = self._sorted(self._filtered(runs))
        shown = matching[:MAX_ROWS]
        self.shown_runs = shown
        now = self.app.clock()
        rows = [(r.id, run_row(r, i + 1, r.id in self.marked, now)) for i, r in enumerate(shown)]
        keys = [k for k, _ in rows]
        if keys == self._row_keys:
            # Same rows in the same order: update cells in place so the
            # cursor and scroll position stay put.
            for key, cells in rows:
                old = table.get_row(key)
                for (_, col_key, _), new, prev in zip(RUN_COLUMNS, cells, old):
                    if str(new) != str(prev):
                        table.update_cell(key, col_key, new)
        else:
            # The cursor stays on its run, unless it is on the first row:
            # then it stays on the first row (the newest run, by default).
            current = self.current_run_id() if table.cursor_row > 0 else None
            table.clear()
            # A screenful first, the rest after the first paint: the first
            # paint of a table costs per row.
            first, rest = rows[:_FIRST_PAINT_ROWS], rows[_FIRST_PAINT_ROWS:]
            for key, cells in first:
                table.add_row(*cells, key=key)
            self._row_keys = [k for k, _ in first]
            self._fill_generation += 1
            if rest:
                self.call_after_refresh(self._add_rows, self._fill_generation, rest)
            if current in keys[: len(first)]:
                table.move_cursor(row=keys.index(current), animate=False)
        self._update_status(len(runs), matching, shown)

    def _add_rows(self, generation: int, rows: list) -> None:
        if generation != self._fill_generation:
            return  # the table was rebuilt since
        table = self.query_one(DataTable)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        self._row_keys.extend(k for k, _ in rows)

    def _update_status(self, total: int, matching: list, shown: list) -> None:
        if total == 0 and self.app.runs_loaded:
            hint = "press 2 for the operations, enter on one to launch it" if self.app.project.gagefile else "gage help gagefile"
            self.query_one("#runs-status", Static).update(literal(f"No runs yet: {hint}."))
            return
        running = sum(1 for r in matching if r.status == "running")
        parts = [f"{len(matching)} run{'' if len(matching) == 1 else 's'}" + (" in trash" if self.show_trash else "")]
        if len(shown) < len(matching):
            parts.append(f"showing newest {len(shown)} (filter to narrow)")
        if running:
            parts.append(f"{running} running")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if self.other_projects:
            parts.append(f"{self.other_projects} of other projects hidden (P shows all)")
        elif self.all_projects:
            parts.append("all projects")
        direction = "↓" if self.sort_reverse else "↑"
        parts.append(f"sort: {'started' if self.sort_key == 'timestamp' else self.sort_key} {direction}")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        self.query_one("#runs-status", Static).update(literal("  ·  ".join(parts)))

    def current_run_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not self._row_keys or table.cursor_row is None:
            return None
        row = table.cursor_row
        return self._row_keys[row] if 0 <= row < len(self._row_keys) else None

    def current_run(self):
        run_id = self.current_run_id()
        return self.app.run_by_id(run_id) if run_id else None

    def target_runs(self) -> list:
        """Marked runs, else the run under the cursor."""
        if self.marked:
            return [r for r in self.shown_runs if r.id in self.marked]
        run = self.current_run()
        return [run] if run else []

    # -- filter --------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Applied once typing pauses: a half-typed word ("an" on the way to
        # "and") is a valid filter that matches nothing, and the table
        # should not flicker empty at every key.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(_FILTER_DELAY, lambda: self.apply_filter(event.value))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if self.apply_filter(event.value):
            self._submitted_filter = (self._filter, self.filter_text)
        self.query_one(DataTable).focus()

    def apply_filter(self, value: str) -> bool:
        """Filter the table by ``value``; False for a syntax error, which is
        shown under the bar (caret at its column) while the table goes back
        to the filter last submitted with enter (not a half-typed one)."""
        from gage_core.errors import FilterSyntaxError
        from gage_core.query.filter import parse_filter

        self._filter_timer = None
        text = value.strip()
        error = self.query_one("#filter-error", Static)
        if not text:
            self._filter, self.filter_text = None, ""
            error.update("")
            error.display = False
            self._rebuild(self.app.runs)
            return True
        try:
            self._filter = parse_filter(text)
        except FilterSyntaxError as e:
            error.update(_filter_error_text(e))
            error.display = True
            if (self._filter, self.filter_text) != self._submitted_filter:
                self._filter, self.filter_text = self._submitted_filter
                self._rebuild(self.app.runs)
            return False
        self.filter_text = text
        error.update("")
        error.display = False
        self._rebuild(self.app.runs)
        return True

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
        self.query_one(DataTable).focus()

    # -- table events --------------------------------------------------

    @on(DataTable.RowSelected, "#runs-table")
    def _row_selected(self) -> None:
        self.action_open_run()

    @on(DataTable.HeaderSelected, "#runs-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key not in SORT_KEYS:
            return
        if SORT_KEYS[key] == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = SORT_KEYS[key]
        self._rebuild(self.app.runs)

    # -- actions -------------------------------------------------------

    def action_open_run(self) -> None:
        from gage_tui.app.screens.run import RunScreen

        run = self.current_run()
        if run:
            self.app.push_screen(RunScreen(run.id))

    def open_run_by_id(self, run_id: str) -> None:
        from gage_tui.app.screens.run import RunScreen

        self.app.push_screen(RunScreen(run_id))

    def action_output(self) -> None:
        from gage_tui.app.screens.output import OutputScreen

        run = self.current_run()
        if run:
            self.app.push_screen(OutputScreen(run.id))

    def action_toggle_mark(self) -> None:
        run_id = self.current_run_id()
        if not run_id:
            return
        self.marked.symmetric_difference_update({run_id})
        self._rebuild(self.app.runs)
        table = self.query_one(DataTable)
        if table.cursor_row < len(self._row_keys) - 1:
            table.move_cursor(row=table.cursor_row + 1, animate=False)

    def action_mark_all(self) -> None:
        self.marked = {r.id for r in self.shown_runs}
        self._rebuild(self.app.runs)

    def action_clear_marks(self) -> None:
        self.marked.clear()
        self._rebuild(self.app.runs)

    def action_cycle_sort(self) -> None:
        order = list(dict.fromkeys(SORT_KEYS.values()))
        self.sort_key = order[(order.index(self.sort_key) + 1) % len(order)] if self.sort_key in order else order[0]
        self._rebuild(self.app.runs)

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._rebuild(self.app.runs)

    def action_toggle_trash(self) -> None:
        self.show_trash = not self.show_trash
        self.marked.clear()
        self._rebuild(self.app.runs)

    def action_toggle_all_projects(self) -> None:
        self.all_projects = not self.all_projects
        self._rebuild(self.app.runs)

    def action_label(self) -> None:
        from gage_tui.app.run_actions import prompt_label

        prompt_label(self, self.target_runs())

    def action_tag(self) -> None:
        from gage_tui.app.run_actions import prompt_tags

        prompt_tags(self, self.target_runs())

    def action_comment(self) -> None:
        from gage_tui.app.run_actions import prompt_comment

        prompt_comment(self, self.target_runs())

    def action_stop(self) -> None:
        from gage_tui.app.run_actions import confirm_stop

        confirm_stop(self, self.target_runs())

    def action_delete(self) -> None:
        from gage_tui.app.run_actions import confirm_delete

        confirm_delete(self, self.target_runs(), self.marked)

    def action_rerun(self) -> None:
        from gage_tui.app.screens.launch import LaunchScreen

        run = self.current_run()
        if run is None:
            return
        gagefile = self.app.project.gagefile
        if gagefile is None or run.op_name not in gagefile.ops:
            self.notify(f"Operation '{run.op_name}' is not in this project's Gagefile.", severity="error")
            return
        self.app.push_screen(LaunchScreen(run.op_name, flags=run.config, label=run.label or "", tags=run.tags))

    def action_restore(self) -> None:
        from gage_tui.app.run_actions import restore

        restore(self, self.target_runs(), self.marked)

    # -- compare and diff (COMPARE engineer) ------------------------------

    def action_compare(self) -> None:
        """Compare the marked runs, or every run the filter shows."""
        from gage_tui.app.screens.compare import CompareScreen

        runs = [r for r in self.shown_runs if r.id in self.marked] if self.marked else list(self.shown_runs)
        if not runs:
            self.notify("No runs to compare.", severity="warning")
            return
        self.app.push_screen(CompareScreen([r.id for r in runs]))

    def action_diff(self) -> None:
        """Diff exactly two marked runs (older first)."""
        from gage_tui.app.screens.diff import DiffScreen

        runs = [r for r in self.shown_runs if r.id in self.marked]
        if len(runs) != 2:
            self.notify("Mark exactly two runs (space) to diff them.", severity="warning")
            return
        a, b = sorted(runs, key=lambda r: r.timestamp or 0)
        self.app.push_screen(DiffScreen(a.id, b.id))


def _filter_error_text(error) -> Text:
    """The filter as typed, a caret under the error's column, the message."""
    from gage_tui.app.literal import visible

    text = Text.assemble(("filter: ", "b red"), (visible(error.text), "b red"), "\n")
    # Wide characters before the error move the caret by their cell width.
    before = visible(error.text)[: max(0, error.column - 1)]
    text.append(" " * (len("filter: ") + Text(before).cell_len))
    text.append("^", style="b red")
    text.append(" " + visible(error.message))
    return text
