"""The Gage workbench: one Textual app over the shared core.

The app owns the state (project, the runs by id); worker threads only read
and post messages, and screens watch the app's ``runs_delta`` and
``project`` reactives. The store is listed once; after that only runs that
changed are read again: those a watchdog event names (on the runs dir and
the meta dirs of unfinished runs), unfinished runs on a slow timer (a PID
may die without an event), and all new or vanished entries when the runs
dir's mtime moves. Listings and reads each run one at a time; requests
made meanwhile are gathered and served once, after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive

from gage_core.settings import Settings
from gage_core.store.run import Run
from gage_core.store.status import UNFINISHED
from gage_core.store.store import sort_newest_first
from gage_tui.app.commands import ProjectCommands
from gage_tui.app.messages import (
    LoadProgress,
    ProjectChanged,
    RunsDelta,
    RunsLoaded,
    RunsRead,
    StoreChanged,
)
from gage_tui.app.run_source import RunSource

__all__ = ["GageApp"]

# Runs shown from the index before all of them are read: more than the
# tallest screen holds.
_FIRST_PAINT_RUNS = 200


class _ListingDone(Message):
    """The listing thread ended (whatever happened in it)."""


def _same_run(a: Run, b: Run) -> bool:
    # Run's equality leaves out its maps (config, metrics, attributes).
    return a == b and a.metrics == b.metrics and a.config == b.config and a.attributes == b.attributes


class GageApp(App):
    """``gage ui``."""

    TITLE = "Gage"
    CSS_PATH = "gage.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ProjectCommands}
    # Screens get ``-short`` below 32 rows: bordered inputs fold to one row.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("f1", "help", "Help", show=False, id="help-f1"),
        Binding("1", "show_runs", "Runs", show=False, id="screen-runs"),
        Binding("2", "show_operations", "Ops", id="screen-ops"),
        Binding("3", "show_problems", "Problems", id="screen-problems"),
        Binding("y", "copy_run", "Copy run id", show=False, id="copy-run"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    # Screens watch these (``self.watch(self.app, "runs_delta", ...)``).
    runs_delta: reactive[RunsDelta] = reactive(RunsDelta(), always_update=True, init=False)
    load_progress: reactive[tuple] = reactive((0, 0), always_update=True, init=False)
    project = reactive(None, always_update=True, init=False)

    def __init__(
        self,
        settings: Settings,
        *,
        start_screen: str = "runs",
        clock: Callable[[], float] = time.time,
        watch: bool = True,
        poll_interval: float = 2.0,
    ):
        super().__init__()
        from gage_core.project import open_project

        self.settings = settings
        self.clock = clock
        self.set_reactive(GageApp.project, open_project(settings))
        self.source = RunSource(self.project.runs_dir)
        self.store = self.source.store
        self.runs_by_id: dict[str, Run] = {}
        self._unfinished: set[str] = set()  # ids of runs that may change by themselves
        self._runs_list: list[Run] | None = None
        self.runs_loaded = False
        self.load_seconds: float | None = None
        self.listings = 0  # whole listings started (one per session, normally)
        self._start_screen = start_screen
        self._watch_enabled = watch
        self.poll_interval = poll_interval  # seconds between checks of what events miss
        self._watcher = None
        self._watched_meta: set[str] = set()
        # One listing at a time; a request while one runs is served after it.
        self._listing = False
        self._first_paint = threading.Event()
        # Runs to read again, gathered while a reader works (one at a time).
        self._read_lock = threading.Lock()
        self._to_read: set[str] = set()
        self._scan_wanted = False
        self._reader_busy = False
        self._dir_stamp: int | None = None
        self._index_mark: tuple[str, int] | None = None  # the index's last write seen
        self._stamps: dict[str, tuple] = {}
        self.selected_op: str | None = None  # the op last highlighted on Operations

    @property
    def runs(self) -> list[Run]:
        """Every run the app knows, newest first."""
        if self._runs_list is None:
            self._runs_list = sort_newest_first(list(self.runs_by_id.values()))
        return self._runs_list

    # -- lifecycle -----------------------------------------------------

    def on_mount(self) -> None:
        from gage_tui.app.screens.runs import RunsScreen

        self.push_screen(RunsScreen())
        if self._start_screen == "operations":
            self.action_show_operations()
        elif self._start_screen == "problems":
            self.action_show_problems()
        self.request_listing()
        if self._watch_enabled:
            self._start_watcher()
        self.set_interval(self.poll_interval, self._poll)
        self._apply_user_config()

    def _apply_user_config(self) -> None:
        """The user's keymap, and the theme chosen last time (remembered
        from now on whenever it changes)."""
        from gage_tui.app.user_config import KeymapError, load_keymap, load_theme

        try:
            keymap, warnings = load_keymap(_binding_ids())
        except KeymapError as e:
            self.notify(f"Keymap not applied: {e}", severity="error", timeout=10)
        else:
            if keymap:
                self.set_keymap(keymap)
            for warning in warnings:
                self.notify(warning, severity="warning", timeout=10)
        theme = load_theme()
        if theme and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme) -> None:
        from gage_tui.app.user_config import save_theme

        try:
            save_theme(theme.name)
        except OSError as e:
            self.notify(f"Cannot remember the theme: {e}", severity="warning")

    def on_unmount(self) -> None:
        self._first_paint.set()
        if self._watcher is not None:
            self._watcher.stop()

    def _start_watcher(self) -> None:
        from gage_core.store.watch import ChangeWatcher

        def changed(paths: set[str]) -> None:
            self.post_message(StoreChanged(paths))

        runs_dir = self.project.runs_dir
        self._watcher = ChangeWatcher(changed).start()
        if not self._watcher.watch(runs_dir):
            # Runs dir not there yet: watch the nearest existing parent so
            # its creation wakes us.
            parent = Path(runs_dir).parent
            while not parent.is_dir() and parent != parent.parent:
                parent = parent.parent
            self._watcher.watch(parent)
        # The project dir (and its .gage): a Gagefile edited, deleted,
        # re-created, or created where there was none.
        if self.project.dir is not None:
            self._watcher.watch(self.project.dir)
            self._watcher.watch(Path(self.project.dir) / ".gage")

    def _poll(self) -> None:
        """What file events cannot show: a PID dying (unfinished runs are
        read again), a missed event (the runs dir's mtime moved), and runs
        another process told the index about (a tag from the command line
        to a run anywhere in the store: its ``.user`` dir is not watched)."""
        if not self.runs_loaded:
            return
        unfinished = list(self._unfinished)
        stamp = self.source.runs_dir_stamp()
        scan = stamp != self._dir_stamp
        self._dir_stamp = stamp
        self._index_mark, written = self.source.written_since(self._index_mark)
        if unfinished or scan or written:
            self.read_runs([*unfinished, *written], scan=scan)

    # -- loading: one whole listing, then only the runs that change ------

    def refresh_runs(self, run_ids: Iterable[str] | None = None) -> None:
        """Bring the runs up to date: read ``run_ids`` again (after an
        action on them), or look for runs that appeared or went."""
        if not self.runs_loaded:
            self.request_listing()
        else:
            self.read_runs(run_ids or (), scan=run_ids is None)

    def request_listing(self) -> None:
        """List the whole store; while a listing runs, a request waits for
        it and is then served by a cheap check (new and vanished entries),
        so listings never overlap and never stack."""
        if self._listing:
            with self._read_lock:
                self._scan_wanted = True
            return
        self._listing = True
        self.listings += 1
        self._list_all()

    @work(thread=True, group="runs-load", exit_on_error=False)
    def _list_all(self) -> None:
        try:
            t0 = time.perf_counter()
            if not self.runs_loaded:
                # First paint from the index as it was saved: the newest
                # runs (a screenful, at the same cost in any store), then
                # all of them; the checked listing follows.
                cached = self.source.cached(limit=_FIRST_PAINT_RUNS)
                if len(cached) == _FIRST_PAINT_RUNS:
                    self._paint_cached(cached, t0)
                    cached = self.source.cached()
                if cached:
                    self._paint_cached(cached, t0)
            shown_part = [False]

            def progress(done: int, total: int, so_far) -> None:
                # A long cold listing: show the newest runs read so far once.
                if not self.runs_loaded and not shown_part[0] and time.perf_counter() - t0 > 0.3:
                    shown_part[0] = True
                    self.post_message(RunsLoaded(so_far(), time.perf_counter() - t0, partial=True))
                self.post_message(LoadProgress(done, total))

            runs = self.source.list_all(progress=progress)
            self.post_message(RunsLoaded(runs, time.perf_counter() - t0))
        finally:
            self.post_message(_ListingDone())

    def _paint_cached(self, runs: list, t0: float) -> None:
        """Show runs from the index and wait (in the loading thread) until
        they are painted, so the paint does not wait on the loading."""
        self._first_paint.clear()
        self.post_message(RunsLoaded(runs, time.perf_counter() - t0, from_cache=True))
        self._first_paint.wait(timeout=2.0)

    @on(RunsLoaded)
    def _runs_loaded(self, message: RunsLoaded) -> None:
        self.runs_by_id = {r.id: r for r in message.runs}
        self._unfinished = {r.id for r in message.runs if r.status in UNFINISHED}
        self._runs_list = None
        if message.from_cache or message.partial:
            self.runs_delta = RunsDelta(full=True, partial=True)
            if message.from_cache:
                self.call_after_refresh(self._first_paint.set)
            return
        if not self.runs_loaded:
            self.load_seconds = message.elapsed
        self.runs_loaded = True
        self._dir_stamp = self.source.runs_dir_stamp()
        self._index_mark, _ = self.source.written_since(None)
        self._update_meta_watches()
        self.runs_delta = RunsDelta(full=True)

    @on(_ListingDone)
    def _listing_done(self) -> None:
        self._listing = False
        if self._to_read or self._scan_wanted:
            self.read_runs()

    def read_runs(self, run_ids: Iterable[str] = (), scan: bool = False) -> None:
        """Read these runs again (and, with ``scan``, any that appeared or
        went) in one reader thread; asks made while it reads join it."""
        with self._read_lock:
            self._to_read.update(run_ids)
            self._scan_wanted |= scan
            if self._reader_busy or self._listing or not self.runs_loaded:
                return  # served when the reader or the listing is done
            self._reader_busy = True
        self._read_worker(set(self.runs_by_id))

    @work(thread=True, group="runs-read", exit_on_error=False)
    def _read_worker(self, known: set[str]) -> None:
        try:
            while True:
                with self._read_lock:
                    ids, scan = self._to_read, self._scan_wanted
                    self._to_read, self._scan_wanted = set(), False
                    if not ids and not scan:
                        self._reader_busy = False
                        return
                gone: set[str] = set()
                if scan:
                    present = self.source.scan_ids()
                    ids |= present - known
                    gone = known - present
                runs, missing = self.source.read(ids)
                gone |= missing & known
                known = (known | {r.id for r in runs}) - gone
                if runs or gone:
                    self.post_message(RunsRead(runs, gone))
        except BaseException:
            with self._read_lock:
                self._reader_busy = False
            raise

    @on(RunsRead)
    def _runs_read(self, message: RunsRead) -> None:
        changed = set()
        for run in message.runs:
            old = self.runs_by_id.get(run.id)
            if old is not None and _same_run(old, run):
                continue
            self.runs_by_id[run.id] = run
            changed.add(run.id)
            if run.status in UNFINISHED:
                self._unfinished.add(run.id)
            else:
                self._unfinished.discard(run.id)
        removed = {rid for rid in message.gone if self.runs_by_id.pop(rid, None) is not None}
        self._unfinished -= removed
        if not changed and not removed:
            return
        self._runs_list = None
        self._update_meta_watches()
        self.runs_delta = RunsDelta(changed=frozenset(changed), removed=frozenset(removed))

    def check_runs(self, run_ids: Iterable[str]) -> None:
        """Read again those of ``run_ids`` whose files changed since last
        asked (a few stats a run): for changes no event announces, such as
        a tag added from the command line to a run on screen."""
        stale = []
        for rid in run_ids:
            run = self.runs_by_id.get(rid)
            if run is None:
                continue
            stamp = self.source.file_stamp(run)
            if self._stamps.get(rid, stamp) != stamp:
                stale.append(rid)
            self._stamps[rid] = stamp
        if len(self._stamps) > 10_000:
            self._stamps.clear()
        if stale:
            self.read_runs(stale)

    def _update_meta_watches(self) -> None:
        if self._watcher is None:
            return
        if not self._watcher.watch(self.project.runs_dir):
            return
        wanted = set()
        for run_id in self._unfinished:
            meta = Path(self.runs_by_id[run_id].meta_dir)
            wanted.add(str(meta))
            wanted.add(str(meta / "proc"))
        for path in wanted - self._watched_meta:
            if self._watcher.watch(path):
                self._watched_meta.add(path)
        for path in self._watched_meta - wanted:
            self._watcher.unwatch(path)
            self._watched_meta.discard(path)

    @on(LoadProgress)
    def _load_progress(self, message: LoadProgress) -> None:
        self.load_progress = (message.done, message.total)

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        if self._gagefile_paths() & message.paths:
            self.reload_project()
        run_ids, scan = self.source.ids_of_paths(message.paths)
        if run_ids or scan:
            self.read_runs(run_ids, scan=scan)

    def _gagefile_paths(self) -> set[str]:
        """Every path a Gagefile of this project may have."""
        from gage_core.gagefile import GAGEFILE_NAMES

        if self.project.dir is None:
            return set()
        return {str(Path(self.project.dir) / name) for name in GAGEFILE_NAMES}

    @work(thread=True, exclusive=True, group="project-load", exit_on_error=False)
    def reload_project(self) -> None:
        from gage_core.project import open_project

        self.post_message(ProjectChanged(open_project(self.settings)))

    @on(ProjectChanged)
    def _project_changed(self, message: ProjectChanged) -> None:
        self.project = message.project

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity="information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notifications carry run labels, file names and error texts: they
        are shown literally whatever a caller asks (``markup`` is ignored)."""
        from gage_tui.app.literal import visible

        super().notify(
            visible(message, lines=True), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    # -- helpers for screens ------------------------------------------

    def run_by_id(self, run_id: str):
        run = self.runs_by_id.get(run_id)
        if run is not None:
            return run
        # Just launched, not in the last listing yet.
        from gage_core.errors import GageError

        try:
            return self.store.get(run_id)
        except GageError:
            return None

    def problem_count(self) -> int:
        gagefile = self.project.gagefile
        return len(gagefile.errors) if gagefile is not None else 0

    # -- command palette -----------------------------------------------

    def get_system_commands(self, screen):
        """Every key binding of the screen and the app, by name (the
        project's ops and runs come from ``ProjectCommands``)."""
        from functools import partial

        from textual.app import SystemCommand

        from gage_tui.app.screens.help import binding_rows

        yield from super().get_system_commands(screen)
        seen = set()
        for owner in (screen, self):
            for binding in getattr(owner, "BINDINGS", []):
                desc = getattr(binding, "description", "")
                if not desc or desc in seen or desc in ("Quit", "Help"):
                    continue
                seen.add(desc)
                key = binding_rows([binding])[0][0]
                yield SystemCommand(desc, f"key: {key}", partial(owner.run_action, binding.action))

    # -- actions -------------------------------------------------------

    def action_help(self) -> None:
        from gage_tui.app.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_launch_op(self, name: str) -> None:
        """The launch form of operation ``name``, unless it cannot run."""
        from gage_tui.app.screens.launch import LaunchScreen

        gagefile = self.project.gagefile
        opdef = gagefile.ops.get(name) if gagefile is not None else None
        if opdef is None:
            self.notify(f"No operation '{name}' in the Gagefile.", severity="error")
            return
        if opdef.broken:
            self.notify(f"'{name}' has problems in the Gagefile: fix them first (3 shows them).", severity="error")
            return
        if not opdef.exec.get("run"):
            self.notify(f"'{name}' has no exec command (gage help exec).", severity="error")
            return
        self.push_screen(LaunchScreen(name))

    def action_copy_run(self) -> None:
        """Copy the name and id of the run the screen is about (the one
        under the cursor on the runs screen)."""
        screen = self.screen
        run = screen.current_run() if hasattr(screen, "current_run") else getattr(screen, "run", None)
        if run is None:
            self.notify("No run to copy.", severity="warning")
            return
        self.copy_to_clipboard(f"{run.name} {run.id}")
        self.notify(f"Copied {run.name} {run.id}")

    def action_show_runs(self) -> None:
        from gage_tui.app.screens.runs import RunsScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, RunsScreen):
            self.pop_screen()

    def action_show_operations(self) -> None:
        self._show_named_screen("gage_tui.app.screens.operations", "OperationsScreen")

    def action_show_problems(self) -> None:
        self._show_named_screen("gage_tui.app.screens.problems", "ProblemsScreen")

    def _show_named_screen(self, module: str, name: str) -> None:
        import importlib

        cls = getattr(importlib.import_module(module), name)
        if isinstance(self.screen, cls):
            return
        self.action_show_runs()
        self.push_screen(cls())


_SCREEN_MODULES = ("runs", "run", "output", "operations", "problems", "launch", "compare", "diff", "help", "dialogs")


def _binding_ids() -> set[str]:
    """The id of every binding of the app and its screens (what a user
    keymap may name)."""
    import importlib

    from textual.screen import Screen

    ids = {b.id for b in GageApp.BINDINGS if b.id}
    for name in _SCREEN_MODULES:
        module = importlib.import_module(f"gage_tui.app.screens.{name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Screen):
                ids.update(b.id for b in value.BINDINGS if isinstance(b, Binding) and b.id)
    return ids
