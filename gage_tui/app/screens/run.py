"""Run screen: attributes, flags, dependencies, files, metrics, comments
and the latest output of one run."""

from __future__ import annotations

from rich import filesize
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Static

from gage_core.staging.deps import dependency_file_paths, dependency_source_text
from gage_core.store.status import UNFINISHED
from gage_core.store.timefmt import format_duration, format_timestamp, run_duration_us
from gage_tui.app.literal import literal, visible
from gage_tui.app.screens.base import RunActionScreen
from gage_tui.app.widgets.banner import ProblemsBanner
from gage_tui.app.widgets.run_cells import status_text

__all__ = ["RunScreen"]


class _DetailsLoaded(Message):
    def __init__(self, details, tail: list[str]):
        super().__init__()
        self.details = details
        self.tail = tail


def _kv_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    return table


class RunScreen(RunActionScreen):
    CSS_PATH = "run.tcss"
    HELP_TITLE = "Run"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="run-back"),
        Binding("o", "output", "Output", id="run-output"),
        Binding("l", "label", "Label", id="run-label"),
        Binding("t", "tag", "Tag", id="run-tag"),
        Binding("c", "comment", "Comment", id="run-comment"),
        Binding("x", "stop", "Stop", id="run-stop"),
        Binding("r", "reload", "Reload", show=False, id="run-reload"),
    ]

    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id
        self.details = None
        # A detached run gets one new proxy per visit, not one per reload.
        self._proxy_started = False

    @property
    def run(self):
        return self.app.run_by_id(self.run_id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProblemsBanner()
        with VerticalScroll(id="run-body"):
            yield Static(id="run-summary")
            yield Static("Flags", classes="section-title")
            yield Static(id="run-flags")
            yield Static("Metrics", classes="section-title")
            yield Static(id="run-metrics")
            yield Static("Dependencies", classes="section-title")
            yield Static(id="run-deps")
            yield Static("Comments", classes="section-title")
            yield Static(id="run-comments")
            yield Static("Files", classes="section-title")
            yield Static(id="run-files")
            yield Static("Output (last lines; o for all)", classes="section-title")
            yield Static(id="run-output-tail")
        yield Footer()

    def on_mount(self) -> None:
        run = self.run
        if run is not None:
            self.sub_title = visible(f"{run.name} · {run.op_name}")
        self.query_one("#run-body").focus()
        self.action_reload()
        self.watch(self.app, "runs_delta", self._runs_delta, init=False)

    def _runs_delta(self, delta) -> None:
        if delta.full or self.run_id in delta.changed:
            self.action_reload()

    def action_reload(self) -> None:
        run = self.run
        if run is not None:
            self._load(run)

    @work(thread=True, exclusive=True, group="run-details", exit_on_error=False)
    def _load(self, run) -> None:
        from gage_core.store.details import run_details

        details = run_details(run)
        self.post_message(_DetailsLoaded(details, _output_tail(run, 15)))

    @on(_DetailsLoaded)
    def _loaded(self, message: _DetailsLoaded) -> None:
        self.details = message.details
        self._render_details(message.details, message.tail)
        if message.details.run.status == "detached" and not self._proxy_started:
            self._proxy_started = True
            self._follow_again(message.details.run)

    @work(thread=True, group="run-attach", exit_on_error=False)
    def _follow_again(self, run) -> None:
        """A detached run's job may still run: a new proxy follows it."""
        from gage_core.errors import GageError
        from gage_core.process.launch import start_detached

        try:
            start_detached(run.run_dir)
        except GageError as e:
            self.app.call_from_thread(self.notify, f"{run.name}: {e.message}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Following {run.name} on {run.where} again")

    def _render_details(self, details, tail: list[str]) -> None:
        run = details.run
        now = self.app.clock()
        attrs = _kv_table()
        attrs.add_row("run", literal(f"{run.name}  ({run.id})"))
        op = run.opref
        attrs.add_row("operation", literal(f"{op.namespace}:{op.name}" + (f" v{op.version}" if op.version else "")))
        attrs.add_row("status", status_text(run.status) + Text(f"  exit {run.exit_code}" if run.exit_code is not None else ""))
        attrs.add_row("started", format_timestamp(run.started))
        attrs.add_row("stopped", format_timestamp(run.stopped))
        attrs.add_row("duration", format_duration(run_duration_us(run.started, run.stopped, run.status == "running", now)))
        attrs.add_row("label", literal(run.label or ""))
        attrs.add_row("tags", literal(" ".join(run.tags)))
        attrs.add_row("command", literal(_command_text(details.command)))
        attrs.add_row("run dir", literal(_short_path(run.run_dir, self.app.project.dir)))
        if run.executor != "local":
            attrs.add_row("executes", literal(run.where))
        attrs.add_row("project", literal(_project_text(run.project_dir, self.app.project.dir)))
        if run.batch_id:
            attrs.add_row("batch", literal(run.batch_id))
        if details.failures:
            attrs.add_row(Text("failed", style="bold red"), literal("\n".join(details.failures), lines=True))
        if run.meta_error or details.problems:
            attrs.add_row(
                Text("problems", style="bold red"),
                literal("; ".join(filter(None, [run.meta_error, *details.problems])), lines=True),
            )
        self.query_one("#run-summary", Static).update(attrs)

        self.query_one("#run-flags", Static).update(_mapping_table(run.config) or Text("no flags", style="dim"))
        self.query_one("#run-metrics", Static).update(_mapping_table(run.metrics) or Text("no metrics", style="dim"))

        if details.dependencies:
            deps = Table(box=None, padding=(0, 2), show_edge=False)
            for col in ("dependency", "file", "from"):
                deps.add_column(col, style="bold" if col == "dependency" else None)
            for dep in details.dependencies:
                spec = literal(dep.get("spec") or dep.get("type", ""))
                source = literal(dependency_source_text(dep))
                for f in dependency_file_paths(dep):
                    deps.add_row(spec, literal(f), source)
                    spec = source = Text("")
                if dep.get("error"):
                    deps.add_row(spec, literal(f"failed: {dep['error']}", "red", lines=True), source)
            self.query_one("#run-deps", Static).update(deps)
        else:
            self.query_one("#run-deps", Static).update(Text("no dependencies", style="dim"))

        if details.comments:
            lines = []
            for c in details.comments:
                when = format_timestamp(c["timestamp"] * 1000) if c.get("timestamp") else ""
                lines.append(Text.assemble(literal(f"{c.get('author', '')} {when}  ", "dim"), literal(c["msg"], lines=True)))
            self.query_one("#run-comments", Static).update(Group(*lines))
        else:
            self.query_one("#run-comments", Static).update(Text("no comments (c adds one)", style="dim"))

        if details.files:
            files = Table(box=None, padding=(0, 2), show_edge=False)
            files.add_column("file")
            files.add_column("type", style="dim")
            files.add_column("size", justify="right")
            for f in details.files[:200]:
                files.add_row(literal(f.path), literal(f.type), "" if f.size is None else filesize.decimal(f.size))
            if len(details.files) > 200:
                files.add_row(Text(f"… {len(details.files) - 200} more", style="dim"), "", "")
            self.query_one("#run-files", Static).update(files)
        else:
            self.query_one("#run-files", Static).update(Text("no files", style="dim"))

        if tail:
            self.query_one("#run-output-tail", Static).update(literal("\n".join(tail), lines=True))
        elif details.runner_log and run.status not in UNFINISHED:
            # Ended before writing output (staging failed): say why.
            log = Text("no output; the runner's log says:\n", style="dim")
            log.append(literal("\n".join(details.runner_log), lines=True))
            self.query_one("#run-output-tail", Static).update(log)
        else:
            self.query_one("#run-output-tail", Static).update(Text("no output yet", style="dim"))

    # -- actions -------------------------------------------------------

    def action_output(self) -> None:
        from gage_tui.app.screens.output import OutputScreen

        self.app.push_screen(OutputScreen(self.run_id))

    def with_target_runs(self, act) -> None:
        run = self.run
        act([run] if run else [])


def _short_path(path, project_dir) -> str:
    """``path`` relative to the project when inside it (shorter, and the
    same on every machine)."""
    from pathlib import Path

    if project_dir is not None:
        try:
            return str(Path(path).relative_to(project_dir))
        except ValueError:
            pass
    return str(path)


def _project_text(run_project: str | None, current) -> str:
    from pathlib import Path

    if not run_project:
        return ""
    if current is not None and Path(run_project) == Path(current):
        return f"this project ({Path(current).name})"
    return run_project


def _command_text(command) -> str:
    if command is None:
        return ""
    if isinstance(command, list):
        import shlex

        return shlex.join(str(c) for c in command)
    return str(command)


def _mapping_table(values: dict) -> Table | None:
    if not values:
        return None
    table = _kv_table()
    for key in sorted(values):
        value = values[key]
        table.add_row(literal(key), literal(f"{value:.6g}" if isinstance(value, float) else value))
    return table


def _output_tail(run, count: int) -> list[str]:
    from gage_tui.app.widgets.output_view import output_tail

    return output_tail(run, count)
