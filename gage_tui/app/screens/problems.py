"""Problems screen: every Gagefile diagnostic, grouped by operation, with
the source shown and the exact span highlighted at its line and column.
Reloads when the Gagefile changes on disk."""

from __future__ import annotations

import os
import shlex

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree

from gage_tui.app.literal import literal, visible
from gage_tui.app.screens.operations import NARROW_WIDTH

__all__ = ["ProblemsScreen", "diagnostic_groups"]

_LEXERS = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def diagnostic_groups(diagnostics) -> list[tuple[str, list]]:
    """Diagnostics grouped by operation (file-level ones first, then in the
    order of the file), each group sorted by position."""
    groups: dict[str, list] = {}
    for d in diagnostics:
        groups.setdefault(d.op or "", []).append(d)
    def position(d) -> tuple[int, int]:
        return (d.line or 0, d.col or 0)

    # File-level problems first, then operations in the order of the file.
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != "", min(position(d) for d in kv[1])))
    return [(name, sorted(items, key=position)) for name, items in ordered]


class ProblemsScreen(Screen):
    CSS_PATH = "problems.tcss"
    HELP_TITLE = "Problems"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="problems-back"),
        Binding("e", "edit", "Edit in $EDITOR", id="problems-edit"),
        Binding("r", "reload", "Reload", show=False, id="problems-reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected = None
        self._source_lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="problems-count", classes="status-line")
        with Horizontal(id="problems-body"):
            yield Tree("problems", id="problems-tree")
            with Vertical(id="problems-detail"):
                with ScrollableContainer(id="problems-source-scroll"):
                    yield Static("", id="problems-source")
                yield Static("", id="problems-message")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Gagefile problems"
        self._populate()
        self.query_one(Tree).focus()
        self.watch(self.app, "project", self._project_changed, init=False)

    def on_resize(self) -> None:
        # Narrow terminals: the problems above the source, not beside it.
        self.query_one("#problems-body").set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def _project_changed(self, project) -> None:
        self._populate()

    def action_reload(self) -> None:
        self.app.reload_project()

    # -- content -------------------------------------------------------

    def _populate(self) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        tree.show_root = False
        gagefile = self.app.project.gagefile
        count = self.query_one("#problems-count", Static)
        if gagefile is None:
            count.update(literal("No Gagefile found: nothing to check (gage help gagefile)."))
            self._show(None)
            return
        try:
            self._source_lines = gagefile.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            self._source_lines = []
        diags = list(gagefile.diagnostics)
        errors = sum(1 for d in diags if d.is_error)
        warnings = len(diags) - errors
        name = gagefile.path.name
        if not diags:
            count.update(literal(f"{name}: no problems"))
        else:
            count.update(
                literal(f"{name}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
            )
        # After a reload the cursor stays on the same problem (same code
        # and message, else the one nearest its line).
        previous = self.selected
        first = None
        leaves = []
        for group, items in diagnostic_groups(diags):
            label = f"operation {group}" if group else "file"
            node = tree.root.add(Text.assemble(literal(label, "bold"), f" ({len(items)})"), expand=True)
            for d in items:
                where = f"{d.line}:{d.col}" if d.line else "-"
                style = "red" if d.is_error else "yellow"
                leaf = node.add_leaf(Text.assemble((f"{where:>7} ", "dim"), literal(d.message, style)), data=d)
                first = first or leaf
                leaves.append(leaf)
        if first is not None:
            target = _same_problem(leaves, previous) or first
            tree.move_cursor(target)
            self._show(target.data)
        else:
            self._show(None)

    @on(Tree.NodeHighlighted, "#problems-tree")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data is not None:
            self._show(event.node.data)

    def _show(self, diagnostic) -> None:
        self.selected = diagnostic
        source = self.query_one("#problems-source", Static)
        message = self.query_one("#problems-message", Static)
        gagefile = self.app.project.gagefile
        if diagnostic is None or gagefile is None:
            source.update(literal("\n".join(self._source_lines), lines=True))
            message.update(Text("No problems. The Gagefile is valid." if gagefile else "", style="green"))
            return
        code = visible("\n".join(self._source_lines), lines=True)
        lexer = _LEXERS.get(gagefile.path.suffix, "text")
        syntax = Syntax(code, lexer, line_numbers=True, word_wrap=False, highlight_lines={diagnostic.line} if diagnostic.line else None, theme="ansi_dark")
        if diagnostic.line and diagnostic.col:
            end_line = diagnostic.end_line or diagnostic.line
            end_col = diagnostic.end_col or (diagnostic.col + 1)
            if (end_line, end_col) <= (diagnostic.line, diagnostic.col):
                end_line, end_col = diagnostic.line, diagnostic.col + 1
            syntax.stylize_range("bold white on red", (diagnostic.line, diagnostic.col - 1), (end_line, end_col - 1))
        source.update(syntax)
        if diagnostic.line:
            # The span in view, sideways too: line numbers take a few cells,
            # and a little of the line before the span gives context.
            scroll = self.query_one("#problems-source-scroll", ScrollableContainer)
            x = max(0, (diagnostic.col or 1) + len(str(len(self._source_lines))) + 3 - scroll.size.width // 2)
            self.call_after_refresh(scroll.scroll_to, x=x, y=max(0, diagnostic.line - 6), animate=False)
        where = gagefile.path.name + (f":{diagnostic.line}:{diagnostic.col or 1}" if diagnostic.line else "")
        parts = [
            Text.assemble(
                literal(f"{where}: ", "bold"),
                (f"{diagnostic.severity.name.lower()}[{diagnostic.code}]: ", "red" if diagnostic.is_error else "yellow"),
                literal(diagnostic.message, lines=True),
            )
        ]
        if diagnostic.hint:
            parts.append(literal(f"= hint: {diagnostic.hint}", "cyan", lines=True))
        for note in diagnostic.notes:
            parts.append(literal(f"= note: {note}", "dim", lines=True))
        message.update(Group(*parts))

    # -- actions -------------------------------------------------------

    def action_edit(self) -> None:
        import subprocess

        gagefile = self.app.project.gagefile
        if gagefile is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        line = self.selected.line if self.selected and self.selected.line else 1
        cmd = [*shlex.split(editor), f"+{line}", str(gagefile.path)]
        error = None
        with self.app.suspend():
            try:
                subprocess.call(cmd)
            except OSError as e:
                error = f"cannot start {editor}: {e}"
        if error:
            self.notify(error, severity="error")
        self.app.reload_project()


def _same_problem(leaves: list, previous):
    """The leaf showing ``previous`` after a reload: the same code and
    message, else the same code nearest its old line."""
    if previous is None:
        return None
    for leaf in leaves:
        d = leaf.data
        if (d.code, d.message, d.op) == (previous.code, previous.message, previous.op):
            return leaf
    same_code = [leaf for leaf in leaves if leaf.data.code == previous.code]
    if not same_code:
        return None
    return min(same_code, key=lambda leaf: abs((leaf.data.line or 0) - (previous.line or 0)))
