"""The Gage workbench: one Textual app over the shared core.

The app owns the state (project, store, the current list of runs); worker
threads only load and post messages. A watchdog watcher on the runs
directory (and on the meta dirs of unfinished runs) wakes a refresh, and a
slow timer catches anything the watcher cannot see (a PID dying).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from textual import on, work
from textual.app import App
from textual.binding import Binding

from gage_core.settings import Settings
from gage_tui.app.commands import ProjectCommands
from gage_tui.app.messages import LoadProgress, ProjectChanged, RunsLoaded, StoreChanged

__all__ = ["GageApp"]

_UNFINISHED = ("running", "staged", "pending")


class GageApp(App):
    """``gage ui``."""

    TITLE = "Gage"
    CSS_PATH = "gage.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ProjectCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("f1", "help", "Help", show=False, id="help-f1"),
        Binding("1", "show_runs", "Runs", show=False, id="screen-runs"),
        Binding("2", "show_operations", "Ops", id="screen-ops"),
        Binding("3", "show_problems", "Problems", id="screen-problems"),
        Binding("y", "copy_run", "Copy run id", show=False, id="copy-run"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

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
        from gage_core.store.store import RunStore

        self.settings = settings
        self.clock = clock
        self.project = open_project(settings)
        self.store = RunStore(self.project.runs_dir)
        self.runs: list = []
        self.runs_loaded = False
        self.load_seconds: float | None = None
        self._start_screen = start_screen
        self._watch_enabled = watch
        self._poll_interval = poll_interval
        self._watcher = None
        self._watched_meta: set[str] = set()
        self._refresh_pending = False
        self.selected_op: str | None = None  # the op last highlighted on Operations

    # -- lifecycle -----------------------------------------------------

    def on_mount(self) -> None:
        from gage_tui.app.screens.runs import RunsScreen

        self.push_screen(RunsScreen())
        if self._start_screen == "operations":
            self.action_show_operations()
        elif self._start_screen == "problems":
            self.action_show_problems()
        self.refresh_runs()
        if self._watch_enabled:
            self._start_watcher()
        self.set_interval(self._poll_interval, self._poll)
        # Changes inside a run's existing .user dir (tags, comments from the
        # CLI) make no event on the runs dir: re-list now and then, seldom
        # for big stores (a checked listing of 10,000 runs costs ~0.5 s).
        self.set_interval(5.0, self._slow_refresh)
        self._slow_ticks = 0
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
        if self._watcher is not None:
            self._watcher.stop()

    def _start_watcher(self) -> None:
        from gage_core.watch import ChangeWatcher

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
        # A dying PID produces no file event: unfinished runs need a look.
        unfinished = [r for r in self.runs if r.status in _UNFINISHED]
        if unfinished:
            self._check_unfinished(unfinished)

    def _slow_refresh(self) -> None:
        self._slow_ticks += 1
        if len(self.runs) <= 2000 or self._slow_ticks % 6 == 0:
            self.refresh_runs()

    @work(thread=True, exclusive=True, group="runs-poll", exit_on_error=False)
    def _check_unfinished(self, runs: list) -> None:
        # Only these runs are re-read (cheap); the whole listing is
        # refreshed when one of them changed status.
        if any(self.store.refresh(run).status != run.status for run in runs):
            self.call_from_thread(self.refresh_runs)

    # -- loading -------------------------------------------------------

    @work(thread=True, exclusive=True, group="runs-load", exit_on_error=False)
    def refresh_runs(self) -> None:
        t0 = time.perf_counter()
        if not self.runs_loaded:
            # First paint from the index as it was saved; the checked
            # listing follows after that paint and corrects anything stale.
            cached = self.store.cached_runs(include_deleted=True)
            if cached:
                self.post_message(RunsLoaded(cached, time.perf_counter() - t0, from_cache=True))
                return

        shown_part = [False]

        def progress(done: int, total: int, so_far: list) -> None:
            # A long cold listing: show the newest runs read so far once
            # (rebuilding the table more often would slow the listing).
            if not self.runs_loaded and not shown_part[0] and time.perf_counter() - t0 > 0.3:
                shown_part[0] = True
                self.post_message(RunsLoaded(so_far, time.perf_counter() - t0, partial=True))
            self.post_message(LoadProgress(done, total))

        runs = self.store.list_runs(include_deleted=True, progress=progress)
        self.post_message(RunsLoaded(runs, time.perf_counter() - t0))

    @on(RunsLoaded)
    def _runs_loaded(self, message: RunsLoaded) -> None:
        self.runs = message.runs
        if message.partial:
            self._tell_screens("runs_changed", self.runs)
            return
        if not self.runs_loaded:
            self.load_seconds = message.elapsed
        self.runs_loaded = True
        if message.from_cache:
            # Check the cached listing once this one is on screen (the
            # check competes with painting for the interpreter).
            self.call_after_refresh(self.refresh_runs)
        self._update_meta_watches()
        self._tell_screens("runs_changed", self.runs)

    def _update_meta_watches(self) -> None:
        if self._watcher is None:
            return
        if not self._watcher.watch(self.project.runs_dir):
            return
        wanted = set()
        for run in self.runs:
            if run.status in _UNFINISHED:
                meta = Path(run.meta_dir)
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
        self._tell_screens("load_progress", (message.done, message.total))

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        if self._gagefile_paths() & message.paths:
            self.reload_project()
        runs_dir = str(self.project.runs_dir)
        # Under the runs dir, or a parent of it (the runs dir being created).
        if any(p.startswith(runs_dir) or runs_dir.startswith(p) for p in message.paths):
            self.refresh_runs()

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
        self._tell_screens("project_changed", self.project)

    def _tell_screens(self, method: str, value) -> None:
        # Only screens that are mounted: a screen just pushed has no widgets
        # yet and reads the app's state itself when it mounts. A worker's
        # message can land after exit() while screens are being torn down.
        if self._exit or not self.is_running:
            return
        for screen in self.screen_stack:
            handler = getattr(screen, method, None)
            if handler is not None and screen.is_mounted:
                handler(value)

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
        for run in self.runs:
            if run.id == run_id:
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
