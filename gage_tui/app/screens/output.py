"""Output screen: a run's output, followed live while the run goes on.

A watchdog watcher on the run's ``output/`` dir wakes a refresh that reads
only the bytes written since the last one; a slow timer covers the rare
missed event. The first scan of a large file runs in a worker so the
screen shows at once.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, ProgressBar, Static

from gage_core.store.status import UNFINISHED
from gage_tui.app.literal import literal, visible
from gage_tui.app.widgets.banner import ProblemsBanner
from gage_tui.app.widgets.output_view import OutputView, open_output_reader

__all__ = ["OutputScreen"]



class _Scanned(Message):
    def __init__(self, reader, name: str, names: list[str]):
        super().__init__()
        self.reader = reader
        self.name = name
        self.names = names


class _OutputChanged(Message):
    def can_replace(self, message: Message) -> bool:
        return isinstance(message, _OutputChanged)


class _SearchResult(Message):
    def __init__(self, index: int | None, term: str, rank: int = 0, count: int = 0):
        super().__init__()
        self.index = index
        self.term = term
        self.rank = rank  # 1-based place of the match among all matches
        self.count = count


class OutputScreen(Screen):
    CSS_PATH = "output.tcss"
    HELP_TITLE = "Output"
    BINDINGS = [
        Binding("escape", "back", "Back", id="output-back"),
        Binding("f", "toggle_follow", "Follow", id="output-follow"),
        Binding("slash", "search", "Search", id="output-search"),
        Binding("n", "next_match", "Next", id="output-next"),
        Binding("N", "previous_match", "Previous", id="output-prev"),
        Binding("T", "toggle_timestamps", "Times", id="output-times"),
        Binding("p", "next_phase", "Phase", id="output-phase"),
        Binding("g,home", "top", "Top", show=False, id="output-top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="output-bottom"),
        Binding("x", "stop", "Stop", show=False, id="output-stop"),
        Binding("Y", "copy_lines", "Copy lines", show=False, id="output-copy-lines"),
    ]

    def __init__(self, run_id: str, phase: str | None = None):
        super().__init__()
        self.run_id = run_id
        self.phase = phase
        self.phases: list[str] = []
        self.reader = None
        self._watcher = None
        self._finished_read = False
        self.match_place = (0, 0)  # (rank, count) of the current match

    @property
    def run(self):
        return self.app.run_by_id(self.run_id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProblemsBanner()
        with Horizontal(id="output-progress-row"):
            yield ProgressBar(id="output-progress", show_eta=True)
            yield Static("", id="output-progress-count")
        yield OutputView(id="output-view")
        yield Input(placeholder="search (enter: find, n/N: next/previous, esc: close)", id="output-search")
        yield Static("", id="output-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        run = self.run
        self.sub_title = visible(f"{run.name} · {run.op_name}" if run else self.run_id)
        view = self.query_one(OutputView)
        view.focus()
        # The status line says at once when following stops or resumes.
        self.watch(view, "follow", self._follow_changed, init=False)
        self._scan(self.phase)
        self._start_watcher()
        self.set_interval(1.0, self._poll)
        self.watch(self.app, "runs_delta", self._runs_delta, init=False)

    def _follow_changed(self, _follow: bool) -> None:
        run = self.run
        if run is not None:
            self._update_status(run)

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()

    # -- loading -------------------------------------------------------

    @work(thread=True, exclusive=True, group="output-scan", exit_on_error=False)
    def _scan(self, phase: str | None) -> None:
        from gage_core.store.meta import MetaReader

        run = self.run
        if run is None:
            return
        with MetaReader(run.meta_dir) as meta:
            names = meta.output_names()
        if not names:
            self.post_message(_Scanned(None, phase or "40_run", []))
            return
        if phase in names:
            name = phase
        elif run.status in ("error", "terminated"):
            # Phases run in order and stop at a failure: the last one with
            # output is where the run failed.
            name = names[-1]
        else:
            name = "40_run" if "40_run" in names else names[-1]
        size = _output_size(run, name)
        if size > 4 << 20:
            # Indexing lines of a large output takes a moment: say so.
            self.app.call_from_thread(
                self.query_one("#output-status", Static).update, literal(f"reading {size / 2**20:,.0f} MB of output…")
            )
        reader = open_output_reader(run, name)
        self.post_message(_Scanned(reader, name, names))

    @on(_Scanned)
    def _scanned(self, message: _Scanned) -> None:
        self.phase = message.name
        self.phases = message.names
        self.reader = message.reader
        self._finished_read = False  # a new reader: nothing of it read yet
        view = self.query_one(OutputView)
        view.set_reader(self.reader)
        self._refresh_output()

    def _start_watcher(self) -> None:
        from pathlib import Path

        from gage_core.store.watch import ChangeWatcher

        run = self.run
        if run is None or run.status not in UNFINISHED or getattr(self.app, "_watch_enabled", True) is False:
            return
        self._watcher = ChangeWatcher(lambda paths: self.post_message(_OutputChanged())).start()
        meta = Path(run.meta_dir)
        self._watcher.watch(meta)
        self._watcher.watch(meta / "output")

    def _poll(self) -> None:
        self._refresh_output()

    @on(_OutputChanged)
    def _output_changed(self) -> None:
        self._refresh_output()

    def _runs_delta(self, delta) -> None:
        if delta.full or self.run_id in delta.changed:
            self._refresh_output()

    def _refresh_output(self) -> None:
        run = self.run
        if run is None:
            return
        if run.status in UNFINISHED or not self._finished_read:
            # A later phase may have started since the scan, also when the
            # run ended before this screen looked again.
            self._maybe_rescan(run)
        if self.reader is not None and not self._finished_read:
            finished = run.status not in UNFINISHED
            count = self.reader.refresh(final=finished)
            self._finished_read = finished
            self.query_one(OutputView).lines_added(count)
        self._update_progress(run)
        self._update_status(run)

    def _maybe_rescan(self, run) -> None:
        from gage_core.store.meta import MetaReader

        with MetaReader(run.meta_dir) as meta:
            names = meta.output_names()
        if names != self.phases:
            self.phases = names
            if self.reader is None or (self.phase not in names) or (
                names and names[-1] != self.phase and self.query_one(OutputView).follow
            ):
                self._finished_read = False
                # An ended run opens where a scan would open it (its run
                # phase, or the one that failed).
                ended = run.status not in UNFINISHED
                self._scan(None if ended else names[-1] if names else None)

    def _update_progress(self, run) -> None:
        from gage_core.store.meta import MetaError, MetaReader

        bar = self.query_one(ProgressBar)
        row = self.query_one("#output-progress-row")
        if run.status not in UNFINISHED:
            bar.display = row.display = False
            return
        try:
            with MetaReader(run.meta_dir) as meta:
                progress = meta.read_json("progress")
        except MetaError:
            progress = None
        if not isinstance(progress, dict) or progress.get("percent") is None:
            bar.display = row.display = False
            return
        bar.display = row.display = True
        bar.update(total=100, progress=float(progress["percent"]))
        n, total = progress.get("n"), progress.get("total")
        count = f"{n}/{total}" if n is not None and total else ""
        self.query_one("#output-progress-count", Static).update(literal(count))

    def _update_status(self, run) -> None:
        from gage_core.process.output import phase_label

        view = self.query_one(OutputView)
        parts = [f"{run.status}"]
        if self.phase:
            label = phase_label(self.phase)
            more = f" ({len(self.phases)} phases, p switches)" if len(self.phases) > 1 else ""
            parts.append(f"phase {label}{more}")
        parts.append(f"{view.line_count:,} lines")
        parts.append("following" if view.follow else f"at line {view.top_line() + 1:,} (f follows)")
        if view.search_term:
            rank, count = self.match_place
            where = f"match {rank} of {count}" if count else "no match"
            parts.append(f"search: {view.search_term} ({where})")
        self.query_one("#output-status", Static).update(literal("  ·  ".join(parts)))

    # -- search --------------------------------------------------------

    def action_search(self) -> None:
        field = self.query_one("#output-search", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#output-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        view = self.query_one(OutputView)
        view.search_term = event.value
        view.clear_caches()
        event.input.display = False
        view.focus()
        if event.value:
            start = view.current_match + 1 if view.current_match is not None else view.top_line()
            self._find(event.value, start, forward=True)

    def action_next_match(self) -> None:
        view = self.query_one(OutputView)
        if view.search_term:
            start = (view.current_match + 1) if view.current_match is not None else view.top_line()
            self._find(view.search_term, start, True)

    def action_previous_match(self) -> None:
        view = self.query_one(OutputView)
        if view.search_term:
            start = (view.current_match - 1) if view.current_match is not None else view.top_line()
            self._find(view.search_term, start, False)

    @work(thread=True, exclusive=True, group="output-search", exit_on_error=False)
    def _find(self, term: str, start: int, forward: bool) -> None:
        # The file's bytes are searched (case-insensitive for ASCII), not
        # decoded lines: a match is on screen as soon as it is found. The
        # search wraps around the ends.
        reader = self.reader
        if reader is None:
            return
        needle = term.encode("utf-8")
        if len(reader) and not 0 <= start < len(reader):
            start = 0 if start >= len(reader) else len(reader) - 1  # past an end: wrap
        found = reader.search(needle, start, forward=forward)
        if found is None and len(reader):
            found = reader.search(needle, 0 if forward else len(reader) - 1, forward=forward)
        if found is None:
            self.post_message(_SearchResult(None, term))
            return
        rank = reader.count_matches(needle, before_line=found) + 1
        self.post_message(_SearchResult(found, term, rank, reader.count_matches(needle)))

    @on(_SearchResult)
    def _search_result(self, message: _SearchResult) -> None:
        view = self.query_one(OutputView)
        if message.index is None:
            self.match_place = (0, 0)
            self.notify(f"'{message.term}' not found", severity="warning")
            if self.run:
                self._update_status(self.run)
            return
        self.match_place = (message.rank, message.count)
        view.current_match = message.index
        view.clear_caches()
        view.scroll_to_line(message.index)
        if self.run:
            self._update_status(self.run)

    # -- other actions -------------------------------------------------

    def action_back(self) -> None:
        field = self.query_one("#output-search", Input)
        if field.display:
            field.display = False
            self.query_one(OutputView).focus()
            return
        self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        view = self.query_one(OutputView)
        if view.follow:
            view.follow = False
        else:
            view.go_bottom()
        if self.run:
            self._update_status(self.run)

    def action_toggle_timestamps(self) -> None:
        view = self.query_one(OutputView)
        view.show_timestamps = not view.show_timestamps

    def action_top(self) -> None:
        self.query_one(OutputView).go_top()

    def action_bottom(self) -> None:
        self.query_one(OutputView).go_bottom()

    def action_next_phase(self) -> None:
        if len(self.phases) < 2:
            self.notify("This run has one output phase.")
            return
        i = self.phases.index(self.phase) if self.phase in self.phases else -1
        self._finished_read = False
        self._scan(self.phases[(i + 1) % len(self.phases)])

    def action_copy_lines(self) -> None:
        """Copy the current search match, else the lines on screen."""
        view = self.query_one(OutputView)
        if view.current_match is not None:
            lines = view.plain_lines(view.current_match, view.current_match + 1)
        else:
            lines = view.plain_lines(view.top_line(), view.top_line() + view.size.height)
        if not lines:
            self.notify("No output to copy.", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(lines) + "\n")
        self.notify(f"Copied {len(lines)} line{'s' if len(lines) != 1 else ''}")

    def action_stop(self) -> None:
        from gage_tui.app.run_actions import confirm_stop

        run = self.run
        confirm_stop(self, [run] if run else [])


def _output_size(run, name: str) -> int:
    from pathlib import Path

    try:
        return (Path(run.meta_dir) / "output" / name).stat().st_size
    except OSError:
        return 0
