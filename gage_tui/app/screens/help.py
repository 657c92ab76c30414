"""Help: every key of the current screen and of the app, from the bindings
themselves (so it cannot drift from what the keys do)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["HelpScreen", "binding_rows"]

_TIPS = """\
Mouse works too: click a row, a column header (sorts), or a footer key.
ctrl+p opens the command palette: every action is there by name.
Filter language: op = train and metric.loss < 0.2 and started in last 1 day
  (gage help filters lists every field and operator).
To select text with the mouse, hold Shift (Option in iTerm2) while dragging.
Closing the workbench (q) never stops a run."""


def _key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc"}
    return ", ".join(names.get(k, k) for k in key.split(","))


def binding_rows(bindings) -> list[tuple[str, str]]:
    rows = []
    seen = set()
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        key = _key_label(b.key)
        if (key, b.description) in seen:
            continue
        seen.add((key, b.description))
        rows.append((key, b.description))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", id="help-close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(self._help_table(), id="help-body")

    def _help_table(self) -> Table:
        stack = [s for s in self.app.screen_stack if s is not self]
        below = stack[-1] if stack else None
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        title = getattr(below, "HELP_TITLE", type(below).__name__.replace("Screen", "") if below else "")
        table.add_row(Text(f"{title} keys", style="bold underline"), "")
        for key, desc in binding_rows(getattr(below, "BINDINGS", [])):
            table.add_row(key, desc)
        table.add_row("", "")
        table.add_row(Text("Everywhere", style="bold underline"), "")
        for key, desc in binding_rows(self.app.BINDINGS):
            table.add_row(key, desc)
        table.add_row("ctrl+p", "Command palette")
        table.add_row("", "")
        table.add_row(Text("Tips", style="bold underline"), "")
        for line in _TIPS.splitlines():
            table.add_row("", line)
        return table
