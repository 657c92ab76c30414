"""Launch screen: a form with every flag of an operation prefilled with its
default, typed validation at each field, label and tags, then start: the
run is launched detached and the app switches to its live output."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from gage_tui.app.literal import literal, visible

__all__ = ["LaunchScreen", "validate_flag_inputs"]


def validate_flag_inputs(values: dict[str, str], defaults: dict) -> tuple[dict, dict[str, str]]:
    """Type each flag's text from its default. Returns (flags that differ
    from their default, errors by flag name). List values (``[a,b]``) are
    kept as lists: one run per combination."""
    from gage_core.errors import FlagError
    from gage_core.staging.flags import coerce_flag_value, format_flag_value

    flags: dict = {}
    errors: dict[str, str] = {}
    for name, text in values.items():
        default = defaults.get(name)
        if text.strip() == format_flag_value(default) and name in defaults:
            continue
        try:
            flags[name] = coerce_flag_value(text, default, name)
        except FlagError as e:
            errors[name] = e.message
    return flags, errors


def run_count(flags: dict) -> int:
    count = 1
    for value in flags.values():
        if isinstance(value, list):
            count *= max(1, len(value))
    return count


class _Launched(Message):
    def __init__(self, run_ids: list[str], error: str | None):
        super().__init__()
        self.run_ids = run_ids
        self.error = error


class LaunchScreen(Screen):
    CSS_PATH = "launch.tcss"
    HELP_TITLE = "Launch"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Cancel", id="launch-cancel"),
        Binding("f5", "start", "Start", id="launch-start"),
        Binding("ctrl+g", "start", "Start", show=False, id="launch-start-alt"),
    ]

    def __init__(self, op_name: str, flags: dict | None = None, label: str = "", tags: tuple = (), rerun_of=None):
        super().__init__()
        self.op_name = op_name
        self.initial_flags = dict(flags or {})
        # A run to launch again: its flags, and the same upstream runs.
        self.rerun_of = rerun_of
        self.initial_label = label
        self.initial_tags = " ".join(tags)
        self.defaults: dict = {}
        self.sources: dict = {}
        self.errors: dict[str, str] = {}
        self.launching = False

    @property
    def opdef(self):
        gagefile = self.app.project.gagefile
        return gagefile.ops.get(self.op_name) if gagefile else None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="launch-form"):
            yield Static(id="launch-title")
            yield Vertical(id="launch-flags")
            yield Label("label", classes="field-label")
            yield Input(value=self.initial_label, placeholder="optional label", id="launch-label")
            yield Label("tags", classes="field-label")
            yield Input(value=self.initial_tags, placeholder="space-separated tags", id="launch-tags")
            # Batches run through the batch supervisor.
            yield Label(Text.assemble("max parallel  ", ("runs of a batch started at once", "dim")), classes="field-label")
            yield Input(value="1", type="integer", id="launch-max-parallel")
            default_executor = _configured_executor(self.app.project)
            if default_executor is not None:
                yield Label(Text.assemble("executor  ", ("where the runs execute (ray: RAY_ADDRESS)", "dim")), classes="field-label")
                yield Select([("local", "local"), ("ray", "ray")], value=default_executor,
                             allow_blank=False, id="launch-executor")
        # Below the form, never scrolled away: what will start, and start.
        with Horizontal(id="launch-bottom"):
            yield Static(id="launch-summary")
            yield Button("Start (F5)", id="launch-start", variant="success")
            yield Button("Cancel (esc)", id="launch-cancel-button")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = visible(f"launch {self.op_name}")
        # The fields take the focus, not the scrolling form around them.
        self.query_one("#launch-form").can_focus = False
        opdef = self.opdef
        title = self.query_one("#launch-title", Static)
        if opdef is None:
            title.update(literal(f"No operation '{self.op_name}' in the Gagefile.", "b red"))
            return
        title.update(Text.assemble(literal(opdef.name, "b"), "  ", literal(opdef.first_line)))
        self._load_defaults()

    @work(thread=True, exclusive=True, group="launch-defaults", exit_on_error=False)
    def _load_defaults(self) -> None:
        from gage_core.staging.config import read_config_defaults

        defaults = read_config_defaults(self.app.project.dir, self.opdef)
        if self.rerun_of is not None:
            from gage_core.staging.deps import rerun_config

            self.initial_flags = rerun_config(self.rerun_of, self.opdef)
        self.app.call_from_thread(self._show_flags, dict(defaults), {k: defaults.source_of(k) for k in defaults})

    async def _show_flags(self, defaults: dict, sources: dict) -> None:
        from gage_core.staging.flags import format_flag_value

        self.defaults = defaults
        self.sources = sources
        rows: list = []
        if not defaults:
            rows.append(Static(Text("This operation has no flags.", style="dim")))
        else:
            # Only where there are flags: a list value is a batch.
            rows.append(
                Static(
                    Text("Edit flags (tab moves between fields); a value like [0.01,0.1] starts one run per value.", style="dim"),
                    id="launch-batch-hint",
                )
            )
        for name in sorted(defaults):
            value = self.initial_flags.get(name, defaults[name])
            source = sources.get(name) or ""
            hint = f"{_type_label(defaults[name])} · default {format_flag_value(defaults[name]) or '(none)'}"
            rows.append(
                Horizontal(
                    Label(literal(name), classes="flag-name"),
                    Input(value=format_flag_value(value), id=f"flag-{_safe_id(name)}", classes="flag-input"),
                    Label(literal(f"{hint}  {source}"), classes="flag-hint"),
                    classes="flag-row",
                )
            )
            rows.append(Static("", id=f"flag-error-{_safe_id(name)}", classes="field-error"))
        # Mounted before validating and focusing: both need the inputs.
        await self.query_one("#launch-flags", Vertical).mount_all(rows)
        self._validate()
        inputs = self.query(".flag-input")
        (inputs.first() if inputs else self.query_one("#launch-label", Input)).focus()

    def _flag_texts(self) -> dict[str, str]:
        return {name: self.query_one(f"#flag-{_safe_id(name)}", Input).value for name in self.defaults}

    @on(Input.Changed, ".flag-input")
    def _flag_changed(self) -> None:
        self._validate()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()

    def _validate(self) -> dict:
        flags, self.errors = validate_flag_inputs(self._flag_texts(), self.defaults)
        for name in self.defaults:
            field = self.query_one(f"#flag-error-{_safe_id(name)}", Static)
            field.update(literal(self.errors[name], "red", lines=True) if name in self.errors else "")
            field.display = name in self.errors
        summary = self.query_one("#launch-summary", Static)
        if self.errors:
            summary.update(Text(f"{len(self.errors)} flag value(s) to fix before starting.", style="b red"))
        else:
            n = run_count(flags)
            changed = ", ".join(f"{k}={v}" for k, v in flags.items()) or "defaults"
            runs = f"{n} runs (one per combination)" if n > 1 else "1 run"
            summary.update(
                Text.assemble("Will start ", (runs, "b"), " of ", literal(self.op_name, "b"), " with ", literal(changed), ".")
            )
        return flags

    @on(Button.Pressed, "#launch-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#launch-cancel-button")
    def _cancel_pressed(self) -> None:
        self.app.pop_screen()

    def action_start(self) -> None:
        if self.launching or self.opdef is None:
            return
        flags = self._validate()
        if self.errors:
            self.notify("Fix the flag values marked in red first.", severity="error")
            return
        label = self.query_one("#launch-label", Input).value.strip()
        tags = tuple(self.query_one("#launch-tags", Input).value.split())
        try:
            max_parallel = max(1, int(self.query_one("#launch-max-parallel", Input).value or "1"))
        except ValueError:
            max_parallel = 1
        executors = self.query("#launch-executor")
        executor = str(executors.first(Select).value) if executors else None
        self.launching = True
        self.query_one("#launch-summary", Static).update(Text("Staging…", style="b"))
        self._launch(flags, label, tags, max_parallel, executor)

    @work(thread=True, exclusive=True, group="launch", exit_on_error=False)
    def _launch(self, flags: dict, label: str, tags: tuple, max_parallel: int = 1,
                executor: str | None = None) -> None:
        import os

        from gage_core.errors import GageError
        from gage_core.process.executors.assign import resolve_executor
        from gage_core.staging.batch import launch_runs

        try:
            choice = resolve_executor(self.app.project, os.environ, executor) if executor else None
            run_ids = launch_runs(self.app.project, self.opdef, flags, label=label or None, tags=tags,
                                  store=self.app.store, max_parallel=max_parallel, executor=choice)
        except GageError as e:
            self.post_message(_Launched([], e.message + (f" ({e.hint})" if e.hint else "")))
        else:
            self.post_message(_Launched(run_ids, None))

    @on(_Launched)
    def _launched(self, message: _Launched) -> None:
        from gage_tui.app.screens.output import OutputScreen

        self.launching = False
        if message.error:
            # A run that failed while staging is recorded: list it.
            self.app.refresh_runs()
            self.query_one("#launch-summary", Static).update(literal(message.error, "b red", lines=True))
            self.notify(message.error, severity="error", timeout=8)
            return
        self.app.refresh_runs()
        n = len(message.run_ids)
        self.notify(f"Started {n} run{'s' if n != 1 else ''} of {self.op_name}")
        self.app.pop_screen()
        if n > 1:
            # A batch: show its runs (filtered by batch id) on the runs screen.
            _show_batch(self.app, message.run_ids[0])
            return
        self.app.push_screen(OutputScreen(message.run_ids[0]))


def _configured_executor(project) -> str | None:
    """The form's default executor when a cluster is configured (Ray's
    address in the environment, or executor settings in the Gagefile);
    None hides the choice."""
    import os

    settings = getattr(project.gagefile, "executor", None) or {}
    if not (os.environ.get("RAY_ADDRESS") or os.environ.get("GAGE_EXECUTOR") or settings):
        return None
    name = os.environ.get("GAGE_EXECUTOR") or settings.get("executor") or "local"
    return name if name in ("local", "ray") else "local"


def _show_batch(app, run_id: str) -> None:
    from gage_core.errors import GageError
    from gage_tui.app.screens.runs import RunsScreen

    try:
        batch_id = app.store.get(run_id).batch_id
    except GageError:
        batch_id = None
    app.action_show_runs()
    screen = app.screen
    if batch_id and isinstance(screen, RunsScreen):
        screen.query_one("#filter", Input).value = f"batch = {batch_id}"


def _safe_id(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else f"_{ord(c):x}_" for c in name)


def _type_label(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "any"
    return "string"
