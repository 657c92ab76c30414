"""Small modal dialogs: a text prompt and a yes/no confirmation."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from gage_tui.app.literal import literal

__all__ = ["TextPrompt", "Confirm", "Choice"]


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt-cancel")]

    def __init__(self, title: str, value: str = "", help_text: str = "", placeholder: str = ""):
        super().__init__()
        self._title = title
        self._value = value
        self._help = help_text
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="prompt-input")
            if self._help:
                yield Static(literal(self._help, lines=True), classes="dialog-help")
            yield Static("enter: save   escape: cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class _Question(ModalScreen):
    """A dialog that asks a question (with a detail line) and offers buttons.
    The texts may be ``rich.text.Text`` (shown literally)."""

    def __init__(self, question: str | Text, detail: str | Text = ""):
        super().__init__()
        self._question = question
        self._detail = detail

    def _heading(self) -> ComposeResult:
        yield Label(literal(self._question), classes="dialog-title")
        if self._detail:
            yield Static(literal(self._detail, lines=True), classes="dialog-help")


class Confirm(_Question):
    """Yes/no question; ``y``/enter confirms, ``n``/escape cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="confirm-cancel"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", danger: bool = False):
        super().__init__(question, detail)
        self._yes = yes
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self._heading()
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    literal(f"{self._yes} (y)"), id="yes", variant="error" if self._danger else "primary"
                )
                yield Button(literal("Cancel (n)"), id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class Choice(_Question):
    """A question with a few answers, each with its key; dismisses with the
    chosen answer's key, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False, id="choice-cancel")]

    def __init__(self, question: str | Text, detail: str | Text, answers: list[tuple[str, str]]):
        super().__init__(question, detail)
        self._answers = answers  # (key, label)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from self._heading()
            with Horizontal(classes="dialog-buttons"):
                for i, (key, label) in enumerate(self._answers):
                    yield Button(f"{label} ({key})", id=f"answer-{key}", variant="primary" if i == 0 else "default")
                yield Button("Cancel (esc)", id="answer-cancel")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event) -> None:
        for key, _label in self._answers:
            if event.key == key:
                event.stop()
                self.dismiss(key)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        answer = (event.button.id or "").removeprefix("answer-")
        self.dismiss(None if answer == "cancel" else answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
