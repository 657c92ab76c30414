"""Text from runs and Gagefiles made safe to print on a terminal.

Labels, tags, comments, op names and descriptions are user data: an escape
sequence in one must be shown, not obeyed by the terminal.
"""

from __future__ import annotations

import re

__all__ = ["escape_control"]

# C0 and C1 controls except tab and newline, DEL, and the bidirectional
# overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def escape_control(text: str) -> str:
    """``text`` with terminal control characters written as ``\\xNN``."""
    return _CONTROL.sub(_escaped, text)
