"""Rich output on a terminal, plain text otherwise.

Plain when ``--plain``, stdout is not a terminal, ``TERM`` is ``dumb`` or
``unknown``, or ``NO_COLOR`` is set: no colour, no box drawing, columns
separated by two spaces so scripts can split them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gage_core.store.safe_text import escape_control

__all__ = ["Output", "Column", "use_plain", "print_error", "safe_text"]


def use_plain(requested: bool = False, stream=None) -> bool:
    stream = stream or sys.stdout
    if requested or os.environ.get("NO_COLOR"):
        return True
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        return True
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return True


@dataclass(frozen=True)
class Column:
    header: str
    justify: str = "left"  # left | right
    style: str | None = None
    no_wrap: bool = False
    max_width: int | None = None
    overflow: str = "ellipsis"  # "fold" for text that must stay whole (paths)


class Output:
    """Writes to stdout/stderr, rich or plain."""

    def __init__(self, plain: bool = False, file=None, err_file=None):
        self.file = file or sys.stdout
        self.err_file = err_file or sys.stderr
        self.plain = use_plain(plain, self.file)
        self._console = None
        self._err_console = None

    @property
    def console(self):
        if self._console is None:
            self._console = _make_console(self.file, self.plain)
        return self._console

    @property
    def err_console(self):
        if self._err_console is None:
            self._err_console = _make_console(self.err_file, self.plain)
        return self._err_console

    def line(self, text: str = "", style: str | None = None) -> None:
        """Print one line; ``style`` (rich markup style) is dropped when plain.
        Control characters are shown escaped, never sent to the terminal."""
        text = escape_control(text)
        if self.plain:
            print(text, file=self.file)
        else:
            self.console.print(text, style=style, markup=False, highlight=False)

    def markup(self, text: str) -> None:
        """Print rich markup; tags are stripped when plain."""
        text = escape_control(text)
        if self.plain:
            from rich.text import Text

            print(Text.from_markup(text).plain, file=self.file)
        else:
            self.console.print(text, highlight=False)

    def err(self, text: str, style: str | None = None) -> None:
        text = escape_control(text)
        if self.plain:
            print(text, file=self.err_file)
        else:
            self.err_console.print(text, style=style, markup=False, highlight=False)

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        caption: str | None = None,
    ) -> None:
        """A table; cells may be str or rich ``Text`` (plain text is taken when plain)."""
        rows = [[_cell(c) for c in row] for row in rows]
        if self.plain:
            for line in plain_table_lines(columns, rows):
                print(line, file=self.file)
            if caption:
                print(caption, file=self.file)
            return
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, caption=caption, caption_justify="left", pad_edge=False)
        for c in columns:
            table.add_column(
                c.header, justify=c.justify, style=c.style, no_wrap=c.no_wrap, max_width=c.max_width,
                overflow=c.overflow,
            )
        for row in rows:
            table.add_row(*row)
        self.console.print(table)


def _cell(value: Any):
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_control(value)
    if hasattr(value, "plain") and hasattr(value, "__rich_console__"):
        return safe_text(value)
    if hasattr(value, "__rich_console__"):
        return value
    return escape_control(str(value))


def safe_text(text):
    """A rich ``Text`` with control characters escaped (its styles kept
    unless escaping changed its length)."""
    plain = text.plain
    escaped = escape_control(plain)
    if escaped == plain:
        return text
    from rich.text import Text

    return Text(escaped, style=text.style)


def plain_table_lines(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[str]:
    texts = [[_plain(c) for c in row] for row in rows]
    headers = [c.header for c in columns]
    widths = [len(h) for h in headers]
    for row in texts:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells):
        parts = []
        for i, cell in enumerate(cells):
            if i == len(cells) - 1 and columns[i].justify != "right":
                parts.append(cell)
            elif columns[i].justify == "right":
                parts.append(cell.rjust(widths[i]))
            else:
                parts.append(cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    return [fmt(headers)] + [fmt(row) for row in texts]


def _plain(cell) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def _make_console(file, plain: bool):
    from rich.console import Console

    if plain:
        return Console(file=file, color_system=None, no_color=True, highlight=False, emoji=False)
    return Console(file=file, highlight=False)


def print_error(error, plain: bool = False) -> None:
    """``gage: message`` on stderr, then the hint, if any."""
    lines = [f"gage: {escape_control(error.message)}"]
    if callable(getattr(error, "caret_lines", None)):  # FilterSyntaxError: show where
        lines += ["  " + line for line in error.caret_lines().splitlines()]
    if getattr(error, "hint", None):
        lines.append(escape_control(error.hint))
    for line in lines:
        print(line, file=sys.stderr)
