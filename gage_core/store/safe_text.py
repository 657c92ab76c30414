"""Text from runs and Gagefiles made safe to print on a terminal.

Labels, tags, comments, op names and descriptions are user data: an escape
sequence in one must be shown, not obeyed by the terminal.
"""

from __future__ import annotations

import re

__all__ = ["escape_control", "final_line_state"]

# C0 and C1 controls except tab and newline, DEL, and the bidirectional
# overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escape_control(text: str) -> str:
    """``text`` with terminal control characters written as ``\\xNN``."""
    return _CONTROL.sub(_escaped, text)


def final_line_state(line: bytes) -> bytes:
    """What a terminal finally shows for one output line: each ``\\r``
    returns to the line's start and the text after it overwrites what was
    there (a progress bar's last state). The line ending is kept; a
    ``\\r\\n`` ending stays as is. Raw bytes on disk are not changed."""
    body, end = line, b""
    if body.endswith(b"\r\n"):
        body, end = body[:-2], b"\r\n"
    elif body.endswith(b"\n"):
        body, end = body[:-1], b"\n"
    if b"\r" not in body:
        return line
    shown = b""
    for part in body.split(b"\r"):
        shown = part + shown[len(part):]
    return shown + end
