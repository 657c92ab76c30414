"""``FilterBar``: the filter input of the runs screen.

It owns the typing delay (a half-typed word is a valid filter that matches
nothing: the table should not flicker empty at every key), the syntax
error under the bar with a caret at its column, the fallback to the filter
last submitted with enter while the text is broken, and the hints for a
filter that matches nothing. It posts ``FilterChanged`` when the filter in
force changes.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from gage_tui.app.literal import literal
from gage_tui.app.messages import FilterChanged

__all__ = ["FilterBar", "FILTER_DELAY"]

FILTER_DELAY = 0.25  # seconds of no typing before the filter applies
_PLACEHOLDER = "filter: op = train and metric.loss < 0.2 and started in last 1 day   (/ to focus)"


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar {
        height: auto;
    }
    FilterBar #filter {
        border: tall $panel;
    }
    FilterBar #filter:focus {
        border: tall $accent;
    }
    FilterBar #filter.-invalid {
        border: tall $error;
    }
    FilterBar #filter-error, FilterBar #filter-hint {
        height: auto;
        padding: 0 1;
        display: none;
    }
    FilterBar #filter-hint {
        color: $warning;
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.filter = None  # the RunFilter in force (None: every run)
        self.text = ""  # its text
        self._submitted: tuple = (None, "")  # (filter, text) of the last enter
        self._timer = None
        self.delay = FILTER_DELAY  # seconds of no typing before the filter applies

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_PLACEHOLDER, id="filter")
        yield Static("", id="filter-error")
        yield Static("", id="filter-hint")

    @property
    def input(self) -> Input:
        return self.query_one("#filter", Input)

    @on(Input.Changed, "#filter")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        value = event.value
        self._timer = self.set_timer(self.delay, lambda: self.apply(value))

    @on(Input.Submitted, "#filter")
    def _submitted_value(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        if self.apply(event.value, submitted=True):
            self._submitted = (self.filter, self.text)
            self.post_message(FilterChanged(self.text, self.filter, submitted=True))

    def apply(self, value: str, *, submitted: bool = False) -> bool:
        """Put the filter ``value`` in force; False for a syntax error, which
        is shown under the bar (caret at its column) while the filter last
        submitted with enter stays in force (not a half-typed one)."""
        from gage_core.errors import FilterSyntaxError
        from gage_core.query.filter import parse_filter

        self._timer = None
        text = value.strip()
        try:
            new = parse_filter(text) if text else None
        except FilterSyntaxError as e:
            self._show_error(e, submitted)
            if (self.filter, self.text) != self._submitted:
                self.filter, self.text = self._submitted
                self.post_message(FilterChanged(self.text, self.filter))
            return False
        self._show_error(None, submitted)
        if (new, text) != (self.filter, self.text):
            self.filter, self.text = new, text
            if not submitted:  # enter posts its own message
                self.post_message(FilterChanged(self.text, self.filter))
        return True

    def _show_error(self, error, submitted: bool) -> None:
        field = self.input
        box = self.query_one("#filter-error", Static)
        field.set_class(error is not None and submitted, "-invalid")
        if error is None:
            box.update("")
            box.display = False
            return
        prefix = "filter: "
        shown = literal(prefix + error.text, "bold red")
        caret = Text(" " * (len(prefix) + error.column - 1))
        caret.append("^", style="bold red")
        caret.append(f" {error.message}")
        if submitted:
            applied = f"'{self._submitted[1]}'" if self._submitted[1] else "no filter"
            caret.append_text(literal(f"  (not applied: still {applied})", "bold"))
        box.update(Text("\n").join([shown, caret]))
        box.display = True

    def show_hints(self, hints: list[str]) -> None:
        """Why the filter may match nothing (typos), or nothing to say."""
        box = self.query_one("#filter-hint", Static)
        box.update(literal("\n".join(hints), lines=True))
        box.display = bool(hints)

    def clear(self) -> None:
        self.input.value = ""
