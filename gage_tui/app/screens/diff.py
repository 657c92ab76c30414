"""Diff screen: what differs between two runs (flags, source files, output,
metrics), the same as ``gage diff`` (core: gage_core/diff.py)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from gage_tui.app.literal import literal, visible

__all__ = ["DiffScreen"]

_STYLES = {"+": "green", "-": "red", "@": "cyan"}


class _DiffReady(Message):
    def __init__(self, result, error: str | None = None):
        super().__init__()
        self.result = result
        self.error = error


def _value(v) -> str:
    from gage_core.compare.diff import diff_value_text

    return diff_value_text(v)


def _diff_text(d) -> Text:
    text = Text()
    for line in d.lines:
        style = "bold" if line.startswith(("+++", "---")) else _STYLES.get(line[:1], "")
        text.append(visible(line) + "\n", style=style)
    if d.truncated:
        text.append(f"... {d.truncated} more diff lines (gage diff -n N shows more)\n", style="dim")
    if d.note:
        text.append(f"({d.note})\n", style="dim")
    return text


class DiffScreen(Screen):
    CSS_PATH = "diff.tcss"
    HELP_TITLE = "Diff"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="diff-back"),
        Binding("f", "toggle_all_files", "All files / source only", id="diff-all-files"),
        Binding("home", "scroll_home", "Top", show=False, id="diff-top"),
        Binding("end", "scroll_end", "Bottom", show=False, id="diff-bottom"),
    ]

    def __init__(self, run_a: str, run_b: str):
        super().__init__()
        self.run_a = run_a
        self.run_b = run_b
        self.all_files = False
        self.result = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="diff-body"):
            yield Static("Comparing…", id="diff-title")
            yield Static("", id="diff-flags", classes="diff-section")
            yield Static("", id="diff-metrics", classes="diff-section")
            yield Static("", id="diff-files", classes="diff-section")
            yield Static("", id="diff-output", classes="diff-section")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "diff"
        self.query_one("#diff-body").focus()
        self._load()

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _load(self) -> None:
        from gage_core.compare.diff import diff_runs
        from gage_core.errors import GageError

        try:
            store = self.app.store
            a, b = store.get(self.run_a), store.get(self.run_b)
            self.post_message(_DiffReady(diff_runs(a, b, store, all_files=self.all_files)))
        except GageError as e:
            self.post_message(_DiffReady(None, e.message))

    @on(_DiffReady)
    def _ready(self, message: _DiffReady) -> None:
        if message.error:
            self.query_one("#diff-title", Static).update(literal(message.error, "bold red", lines=True))
            return
        self.result = r = message.result
        a, b = r.a, r.b
        self.sub_title = visible(f"diff {a.name} → {b.name}")
        self.query_one("#diff-title", Static).update(Text.assemble(
            literal(a.name, "bold"), literal(f" ({a.op_name}, {a.status})  →  "),
            literal(b.name, "bold"), literal(f" ({b.op_name}, {b.status})"),
        ))
        self.query_one("#diff-flags", Static).update(self._flags(r))
        self.query_one("#diff-metrics", Static).update(self._metrics(r))
        self.query_one("#diff-files", Static).update(self._files(r))
        self.query_one("#diff-output", Static).update(self._output(r))

    def _flags(self, r):
        if not r.flags:
            return Text(f"Flags: the same ({r.same_flags})", style="bold")
        t = Table(title=f"Flags: {len(r.flags)} differ, {r.same_flags} the same", title_justify="left",
                  title_style="bold", box=None, padding=(0, 2))
        t.add_column("flag")
        t.add_column(literal(r.a.name))
        t.add_column(literal(r.b.name))
        for k, x, y in r.flags:
            t.add_row(literal(k), literal(_value(x)), literal(_value(y)))
        return t

    def _metrics(self, r):
        if not r.metrics:
            return Text("Metrics: none", style="bold")
        from gage_core.compare.diff import numeric_delta_text

        t = Table(title="Metrics", title_justify="left", title_style="bold", box=None, padding=(0, 2))
        t.add_column("metric")
        t.add_column(literal(r.a.name), justify="right")
        t.add_column(literal(r.b.name), justify="right")
        t.add_column("change", justify="right")
        for k, x, y in r.metrics:
            t.add_row(literal(k), literal(_value(x)), literal(_value(y)), literal(numeric_delta_text(x, y)))
        return t

    def _files(self, r):
        what = "Files" if self.all_files else "Source files"
        if not r.files:
            return Text(f"{what}: the same ({r.same_files})   (f: {'source only' if self.all_files else 'all files'})",
                        style="bold")
        parts = [Text(f"{what}: {len(r.files)} differ, {r.same_files} the same   "
                      f"(f: {'source only' if self.all_files else 'all files'})", style="bold")]
        for f in r.files:
            parts.append(Text.assemble("  ", (f"{f.status:8}", "bold"), literal(f" {f.path}  "), literal(f"({f.kind})", "dim")))
        for f in r.files:
            if f.diff is not None:
                parts.append(_diff_text(f.diff))
        return Group(*parts)

    def _output(self, r):
        d = r.output
        if not d.lines:
            return literal("Output: " + (d.note or "the same"), "bold")
        return Group(Text("Output", style="bold"), _diff_text(d))

    def action_toggle_all_files(self) -> None:
        self.all_files = not self.all_files
        self._load()

    def action_scroll_home(self) -> None:
        self.query_one("#diff-body", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one("#diff-body", VerticalScroll).scroll_end(animate=False)
