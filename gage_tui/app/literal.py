"""User and project text made ready to show exactly as written.

Every label, tag, comment, op name, flag, file name, diagnostic and output
line reaches the screen through here: as ``rich.text.Text`` (a plain
``str`` handed to a Textual or Rich widget is read as markup, so ``[wip]``
would vanish and ``[/]`` would crash), with control characters turned into
their visible Unicode pictures (a raw escape would reach the terminal and
act on it).
"""

from __future__ import annotations

from rich.text import Text

__all__ = ["literal", "visible", "make_visible"]


def _control_table(keep: str) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    # C1 controls (CSI, OSC, ... in one byte) act on some terminals too.
    table.update({code: "\ufffd" for code in range(0x80, 0xA0)})
    for char in keep:
        table.pop(ord(char))
    return table


_ONE_LINE = _control_table("")
_LINES = _control_table("\n\t")


def visible(value: object, *, lines: bool = False) -> str:
    """``value`` as a string with control characters shown as pictures
    (``\\x1b`` as ``␛``); with ``lines``, newlines and tabs are kept."""
    return str(value).translate(_LINES if lines else _ONE_LINE)


def literal(value: object, style: str = "", *, lines: bool = False) -> Text:
    """``value`` as text to show literally: never markup, no raw controls."""
    return Text(visible(value, lines=lines), style=style)


def make_visible(text: Text) -> Text:
    """``text`` (decoded from ANSI, say) with the control characters left in
    it shown as pictures; styles stay where they were (one char for one)."""
    plain = text.plain
    shown = visible(plain)
    if shown != plain:
        text.plain = shown
    return text
