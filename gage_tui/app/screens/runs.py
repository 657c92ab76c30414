"""Runs screen: every run of the project, filtered, sorted and marked.

The table (``RunsTable``) owns the rows, the order, the marks and the
cursor; the filter bar (``FilterBar``) owns the filter text. This screen
wires them to the app's runs and holds the actions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from gage_tui.app.messages import FilterChanged, LiveMetrics, RunsDelta
from gage_tui.app.screens.base import RunActionScreen
from gage_tui.app.widgets.banner import ProblemsBanner
from gage_tui.app.widgets.filter_bar import FilterBar
from gage_tui.app.widgets.runs_table import RunsTable

__all__ = ["RunsScreen"]

_LIVE_INTERVAL = 1.0  # seconds between reads of running runs' output
_AGE_INTERVAL = 30.0  # seconds between repaints of ages ("5 min ago")


class RunsScreen(RunActionScreen):
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
        Binding("k", "columns", "Columns", show=False, id="runs-columns"),
        Binding("z", "toggle_trash", "Trash", show=False, id="runs-trash"),
        Binding("P", "toggle_all_projects", "All projects", show=False, id="runs-all-projects"),
        Binding("a", "mark_all", "Mark all", show=False, id="runs-mark-all"),
        Binding("A", "clear_marks", "Clear marks", show=False, id="runs-clear-marks"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="runs-clear-filter"),
        Binding("C", "compare", "Compare", id="runs-compare"),
        Binding("D", "diff", "Diff two runs", show=False, id="runs-diff"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_trash = False
        self.all_projects = False
        self.other_projects = 0  # runs hidden because they belong elsewhere
        self._mine: Callable | None = None
        self._filter = None  # the filter bar's filter in force
        self._now = self.app.clock()  # the clock for time filters
        self._summaries = None
        self._live_busy = False
        self._counted: set[str] = set()  # runs counted in other_projects

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ProblemsBanner()
        yield FilterBar(id="filter-bar")
        yield RunsTable(clock=self.app.clock, id="runs-table")
        yield Static("Loading runs…", id="runs-status")
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self.sub_title = self._project_title()
        self._mine = self.app.source.project_matcher(self.app.project)
        self.table.set_filter(self._keep)
        self.table.set_runs(self.app.runs_by_id)
        self._update_status(recount=True)
        self.watch(self.app, "runs_delta", self._runs_delta, init=False)
        self.watch(self.app, "load_progress", self._load_progress, init=False)
        self.watch(self.app, "project", self._project_changed, init=False)
        self.set_interval(self.app.poll_interval, self._check_on_screen)
        self.set_interval(_LIVE_INTERVAL, self._read_live_metrics)
        self.set_interval(_AGE_INTERVAL, self.table.refresh_times)

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

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

    # -- state the tests and the palette read ---------------------------

    @property
    def marked(self) -> set[str]:
        return self.table.marked

    @marked.setter
    def marked(self, value: set[str]) -> None:
        self.table.marked = set(value)
        self.table.refresh()

    @property
    def sort_key(self) -> str:
        return self.table.sort_key

    @property
    def sort_reverse(self) -> bool:
        return self.table.sort_reverse

    @property
    def filter_text(self) -> str:
        return self.filter_bar.text

    @property
    def shown_runs(self) -> list:
        return self.table.shown_runs()

    def current_run_id(self) -> str | None:
        return self.table.cursor_run_id

    def current_run(self):
        run_id = self.current_run_id()
        return self.app.run_by_id(run_id) if run_id else None

    # -- data ------------------------------------------------------------

    def _keep(self, run) -> bool:
        if run.container != ("trash" if self.show_trash else "active"):
            return False
        if not self.all_projects and not self._mine(run):
            return False
        return self._filter is None or self._filter.matches(run, now=self._now)

    def _runs_delta(self, delta: RunsDelta) -> None:
        table = self.table
        self._now = self.app.clock()
        if delta.full:
            table.set_runs(self.app.runs_by_id)
            if not delta.partial:
                self._read_live_metrics()
                # The rows on screen as loaded: what a later check compares with.
                self.call_after_refresh(self._check_on_screen)
        else:
            app_runs = self.app.runs_by_id
            table.update_runs([app_runs[i] for i in delta.changed if i in app_runs], delta.removed)
        self._update_status(recount=delta.full or bool(delta.removed) or self._adds_runs(delta))

    def _reshow(self) -> None:
        """The set of shown runs changed its rule (filter, trash, project)."""
        self._filter = self.filter_bar.filter
        self._now = self.app.clock()
        self.table.set_filter(self._keep)
        self._update_status(recount=True)

    def _load_progress(self, progress: tuple[int, int]) -> None:
        done, total = progress
        if not self.app.runs_loaded:
            self.query_one("#runs-status", Static).update(f"Loading runs… {done:,} of {total:,} read")

    def _project_changed(self, project) -> None:
        self.query_one(ProblemsBanner).refresh_count()
        self._mine = self.app.source.project_matcher(project)
        self._reshow()

    def _adds_runs(self, delta: RunsDelta) -> bool:
        return any(i not in self._counted for i in delta.changed)

    def _update_status(self, recount: bool = False) -> None:
        """The status line; ``recount``: count the runs of other projects
        again (a pass over every run, so only when runs came or went)."""
        table = self.table
        status = self.query_one("#runs-status", Static)
        all_runs = self.app.runs_by_id
        if not all_runs and self.app.runs_loaded:
            hint = "press 2 for the operations, enter on one to launch it" if self.app.project.gagefile else "gage help gagefile"
            status.update(f"No runs yet: {hint}.")
            self.filter_bar.show_hints([])
            return
        if recount:
            self._count_other_projects()
        count = table.row_count
        running = sum(1 for r in self.app.runs_by_id.values() if r.status == "running" and self._keep(r))
        parts = [f"{count:,} run{'' if count == 1 else 's'}" + (" in trash" if self.show_trash else "")]
        if not self.app.runs_loaded:
            parts.append("loading…")
        if running:
            parts.append(f"{running} running")
        if table.marked:
            hidden = len(table.hidden_marked())
            parts.append(f"{len(table.marked)} marked" + (f" ({hidden} hidden by the filter)" if hidden else ""))
        if self.other_projects:
            parts.append(f"{self.other_projects} of other projects hidden (P shows all)")
        elif self.all_projects:
            parts.append("all projects")
        direction = "↓" if table.sort_reverse else "↑"
        key = table.sort_key
        parts.append(f"sort: {'started' if key == 'timestamp' else key} {direction}")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        status.update(Text("  ·  ".join(parts)))
        hints: list[str] = []
        if count == 0 and self.filter_text and self.app.runs_loaded:
            from gage_core.query.hints import filter_hints

            hints = filter_hints(self.filter_text, self._candidates())
        self.filter_bar.show_hints(hints)

    def _candidates(self) -> list:
        """The runs the filter chooses from (this container, this project)."""
        container = "trash" if self.show_trash else "active"
        return [
            r for r in self.app.runs_by_id.values()
            if r.container == container and (self.all_projects or self._mine(r))
        ]

    def _count_other_projects(self) -> None:
        self._counted = set(self.app.runs_by_id)
        if self.all_projects:
            self.other_projects = 0
            return
        container = "trash" if self.show_trash else "active"
        self.other_projects = sum(
            1 for r in self.app.runs_by_id.values() if r.container == container and not self._mine(r)
        )

    # -- changes no event announces, live metrics -------------------------

    def _visible_ids(self) -> list[str]:
        table = self.table
        top = round(table.scroll_y)
        return table.shown_ids[top : top + table.size.height]

    def _check_on_screen(self) -> None:
        if self.app.runs_loaded and self.app.screen is self:
            self.app.check_runs(self._visible_ids())

    def _read_live_metrics(self) -> None:
        running = [r for r in self.app.runs_by_id.values() if r.status == "running"]
        if not running and not self.table.has_live_metrics:
            return
        if not self._live_busy:
            self._live_busy = True
            self._live_worker(running)

    @work(thread=True, group="runs-live-metrics", exit_on_error=False)
    def _live_worker(self, running: list) -> None:
        from gage_core.compare.series import SummaryCache

        try:
            if self._summaries is None:
                self._summaries = SummaryCache(self.app.store)
            live = {}
            for run in running:
                summary = self._summaries.get(run)
                if summary.live and summary.metrics:
                    live[run.id] = summary.metrics
            self.post_message(LiveMetrics(live))
        finally:
            self._live_busy = False

    @on(LiveMetrics)
    def _live_metrics(self, message: LiveMetrics) -> None:
        self.table.set_live_metrics(message.metrics)

    # -- filter ------------------------------------------------------------

    @on(FilterChanged)
    def _filter_changed(self, message: FilterChanged) -> None:
        self._reshow()
        if message.submitted:
            self.table.focus()

    def apply_filter(self, value: str) -> bool:
        """Filter the table by ``value`` now (False for a syntax error)."""
        return self.filter_bar.apply(value)

    def action_focus_filter(self) -> None:
        self.filter_bar.input.focus()

    def action_clear_filter(self) -> None:
        self.filter_bar.clear()
        self.table.focus()

    # -- table events ------------------------------------------------------

    @on(RunsTable.Selected)
    def _row_selected(self, message: RunsTable.Selected) -> None:
        self.open_run_by_id(message.run_id)

    @on(RunsTable.SortChanged)
    def _sorted(self) -> None:
        self._update_status()

    # -- which runs an action is for ----------------------------------------

    def with_target_runs(self, act: Callable[[list], None]) -> None:
        """Marked runs, else the run under the cursor. When the filter hides
        some marked runs, ask: act on all marked runs, or clear the marks
        and act on the highlighted run."""
        from gage_tui.app.screens.dialogs import Choice

        table = self.table
        table.marked &= set(self.app.runs_by_id)  # runs gone meanwhile
        if not table.marked:
            run = self.current_run()
            act([run] if run else [])
            return
        hidden = table.hidden_marked()
        marked = [self.app.runs_by_id[i] for i in sorted(table.marked)]
        if not hidden:
            position = {rid: i for i, rid in enumerate(table.shown_ids)}
            act(sorted(marked, key=lambda r: position.get(r.id, 0)))
            return
        n = len(hidden)
        question = f"{n} marked run{'s are' if n != 1 else ' is'} hidden by the filter: act on {'them' if n != 1 else 'it'}?"
        current = self.current_run()
        detail = f"a: act on all {len(marked)} marked runs.  c: clear the marks" + (
            f" and act on the highlighted run ({current.name})." if current else "."
        )

        def answered(answer: str | None) -> None:
            if answer == "a":
                act(marked)
            elif answer == "c":
                table.clear_marks()
                self._update_status()
                if current is not None:
                    act([current])

        self.app.push_screen(
            Choice(Text(question), Text(detail), [("a", "Act on them"), ("c", "Clear marks")]), answered
        )

    # -- actions -------------------------------------------------------------

    def action_open_run(self) -> None:
        run_id = self.current_run_id()
        if run_id:
            self.open_run_by_id(run_id)

    def open_run_by_id(self, run_id: str) -> None:
        from gage_tui.app.screens.run import RunScreen

        self.app.push_screen(RunScreen(run_id))

    def action_output(self) -> None:
        from gage_tui.app.screens.output import OutputScreen

        run = self.current_run()
        if run:
            self.app.push_screen(OutputScreen(run.id))

    def action_toggle_mark(self) -> None:
        self.table.toggle_mark()
        self._update_status()

    def action_mark_all(self) -> None:
        self.table.mark_all()
        self._update_status()

    def action_clear_marks(self) -> None:
        self.table.clear_marks()
        self._update_status()

    def action_cycle_sort(self) -> None:
        """Sort by the next column (attributes, then flags and metrics)."""
        order = list(dict.fromkeys(c.sort for c in self.table.columns if c.sort))
        key = self.table.sort_key
        self.table.sort_by(order[(order.index(key) + 1) % len(order)] if key in order else order[0])
        self._update_status()

    def action_reverse_sort(self) -> None:
        self.table.sort_by(self.table.sort_key, not self.table.sort_reverse)
        self._update_status()

    def action_columns(self) -> None:
        from gage_tui.app.screens.dialogs import TextPrompt

        def done(spec: str | None) -> None:
            if spec is None:
                return
            unmatched = self.table.set_column_spec(spec)
            if unmatched:
                self.notify("No column matches: " + ", ".join(unmatched), severity="warning")

        self.app.push_screen(
            TextPrompt(
                "Flag and metric columns",
                self.table.column_spec,
                "Names or globs: lr epochs metric.val_* config.*. Empty: the flags that vary and every metric.",
            ),
            done,
        )

    def action_toggle_trash(self) -> None:
        self.show_trash = not self.show_trash
        self.table.clear_marks()
        self._reshow()

    def action_toggle_all_projects(self) -> None:
        self.all_projects = not self.all_projects
        self._reshow()

    def action_delete(self) -> None:
        from gage_tui.app.run_actions import confirm_delete

        self.with_target_runs(lambda runs: confirm_delete(self, runs, self.table.marked))

    def action_restore(self) -> None:
        from gage_tui.app.run_actions import restore

        self.with_target_runs(lambda runs: restore(self, runs, self.table.marked))

    def action_rerun(self) -> None:
        from gage_tui.app.screens.launch import LaunchScreen

        run = self.current_run()
        if run is None:
            return
        gagefile = self.app.project.gagefile
        if gagefile is None or run.op_name not in gagefile.ops:
            self.notify(f"Operation '{run.op_name}' is not in this project's Gagefile.", severity="error")
            return
        self.app.push_screen(
            LaunchScreen(run.op_name, flags=run.config, label=run.label or "", tags=run.tags, rerun_of=run)
        )

    def action_compare(self) -> None:
        """Compare the marked runs, or every run the filter shows."""
        from gage_tui.app.screens.compare import CompareScreen

        table = self.table
        ids = [i for i in table.shown_ids if i in table.marked] if table.marked else table.shown_ids
        if not ids:
            self.notify("No runs to compare.", severity="warning")
            return
        self.app.push_screen(CompareScreen(ids))

    def action_diff(self) -> None:
        """Diff exactly two marked runs (older first)."""
        from gage_tui.app.screens.diff import DiffScreen

        runs = [r for r in self.shown_runs if r.id in self.table.marked]
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
