"""Operations screen: every operation of the project beside the preview of
the selected one (``OperationPreview``)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from gage_tui.app.literal import literal
from gage_tui.app.widgets.banner import ProblemsBanner
from gage_tui.app.widgets.op_preview import OperationPreview

__all__ = ["OperationsScreen", "NARROW_WIDTH"]

NARROW_WIDTH = 100


class OperationsScreen(Screen):
    CSS_PATH = "operations.tcss"
    HELP_TITLE = "Operations"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="ops-back"),
        # "l" labels runs on every screen: launch is enter (or F5, the
        # launch form's start key).
        Binding("enter,f5", "launch", "Launch", id="ops-launch"),
        Binding("r", "reload", "Reload", show=False, id="ops-reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProblemsBanner()
        with Horizontal(id="ops-body"):
            yield OptionList(id="ops-list")
            yield OperationPreview(id="ops-preview-scroll")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Operations"
        self._populate()
        self.query_one(OptionList).focus()
        self.watch(self.app, "project", self._project_changed, init=False)

    def on_resize(self) -> None:
        # Narrow terminals: the list above the preview, not beside it.
        self.query_one("#ops-body").set_class(self.size.width < NARROW_WIDTH, "-narrow")

    @property
    def previews(self) -> dict:
        """Previews built so far, by op name."""
        return self.query_one(OperationPreview).previews

    def _project_changed(self, project) -> None:
        self.query_one(OperationPreview).clear()
        self.query_one(ProblemsBanner).refresh_count()
        self._populate()

    def action_reload(self) -> None:
        preview = self.query_one(OperationPreview)
        preview.clear()
        if self.selected:
            preview.show(self.selected)

    def _populate(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        gagefile = self.app.project.gagefile
        if gagefile is not None and not gagefile.ops and gagefile.errors:
            # Nothing loaded because of the errors: say where they are.
            self.query_one(OperationPreview).message(_load_errors_text(gagefile))
            return
        if gagefile is None or not gagefile.ops:
            where = self.app.project.dir or "this directory"
            self.query_one(OperationPreview).message(
                literal(f"No operations defined in {where}. Run 'gage help gagefile' to define some.", "yellow")
            )
            return
        for name in sorted(gagefile.ops):
            op = gagefile.ops[name]
            label = literal(name, "bold red" if op.broken else "bold")
            if op.default:
                label.append(" ★", style="cyan")
            if op.broken:
                label.append(" broken", style="red")
            desc = op.first_line
            if desc:
                label.append(literal(f"\n  {desc}", "dim", lines=True))
            options.add_option(Option(label, id=name))
        # Ops in a part of the file that does not parse: shown, not selectable.
        for name, line in sorted(gagefile.lost_ops.items()):
            label = Text(name, style="bold red")
            label.append(f" lost\n  syntax error near line {line}: see Problems (3)", style="red")
            options.add_option(Option(label, id=f"lost:{name}", disabled=True))
        names = sorted(gagefile.ops)
        # The op chosen last time (kept across visits), else the default op.
        chosen = self.selected or self.app.selected_op
        if chosen not in gagefile.ops:
            chosen = next((n for n in names if gagefile.ops[n].default), names[0])
        options.highlighted = names.index(chosen)

    @on(OptionList.OptionHighlighted, "#ops-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.selected = self.app.selected_op = event.option.id
        self.query_one(OperationPreview).show(self.selected)

    @on(OptionList.OptionSelected, "#ops-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.selected = event.option.id
        self.action_launch()

    def action_launch(self) -> None:
        if self.selected:
            self.app.action_launch_op(self.selected)


def _load_errors_text(gagefile) -> Text:
    """Why no operation loaded: each error at its file:line:col."""
    text = literal(f"No operation could be loaded from {gagefile.path.name}:\n", "bold red")
    for d in gagefile.errors[:10]:
        where = f"{gagefile.path.name}:{d.line}:{d.col or 1}" if d.line else gagefile.path.name
        text.append(literal(f"  {where}: {d.message}\n", lines=True))
    text.append("Press 3 for the problems with the source.", style="dim")
    return text
