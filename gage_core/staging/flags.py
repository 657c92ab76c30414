"""Flag assignments: parsing ``key=value`` arguments and typing values.

Public API (used by the lifecycle and the CLI)::

    parse_flag_assigns(args: Iterable[str], raw: bool = False) -> dict[str, Any]
    parse_flag_value(text: str) -> Any
    is_flag_assign(arg: str) -> bool
    coerce_flag_value(value: Any, default: Any, name: str | None = None) -> Any
    check_flags(flags: Mapping, defaults: Mapping, op_name: str | None = None) -> dict
    format_flag_value(value: Any) -> str
    class FlagList(list)   # a ``[a,b,...]`` value; ``.raw`` keeps the text

Value typing follows Gage's language: ``true``/``false``/``null`` (exact
case) -> bool/None; ints and floats (``+1``, ``1e-3``, ``.5``) -> numbers;
quoted text -> the string inside the quotes; empty -> ``""``; anything else
-> the raw string (``False``, ``1a``). Unlike Gage, ``[0.01,0.1]`` becomes a
:class:`FlagList` (a ``list`` subclass remembering the raw text in ``.raw``)
so batches can expand it; ``str(value.raw)`` gives back what was typed.

Coercion against a default (``coerce_flag_value``) decides types this way:

* default ``None`` (or no default): the parsed value as is;
* ``bool``: ``true/false/yes/no/on/off/1/0`` (any case) and ints 0/1;
* ``int``: integers only (``"3"`` -> 3, ``"3.5"`` and ``true`` are errors);
* ``float``: any number (``"1"`` -> 1.0);
* ``str``: anything, as the text given (``3`` -> ``"3"``);
* a value ``null`` is accepted for every type;
* a :class:`FlagList` is coerced item by item (batch values).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gage_core.errors import FlagError

__all__ = [
    "FlagList",
    "parse_flag_assigns",
    "parse_flag_value",
    "split_flag_assign",
    "is_flag_assign",
    "coerce_flag_value",
    "check_flags",
    "format_flag_value",
    "scalar_text",
]

_INT_RE = re.compile(r"[+-]?\d+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?\Z")
# Letters, digits, ``_.-``; ``/`` and ``#`` for file-qualified names
# (``conf/db/mysql.yaml#user``).
_KEY_RE = re.compile(r"[A-Za-z_0-9][\w.\-/#]*\Z")
_BOOL_WORDS = {
    "true": True, "yes": True, "on": True, "1": True,
    "false": False, "no": False, "off": False, "0": False,
}


class FlagList(list):
    """A list flag value (``[0.01,0.1]``); ``raw`` is the text as typed."""

    def __init__(self, items: Iterable[Any] = (), raw: str | None = None):
        super().__init__(items)
        self.raw = raw if raw is not None else "[" + ",".join(format_flag_value(v) for v in self) + "]"


def _unquote(text: str) -> str | None:
    """The text inside matching quotes; None unless the whole text is one
    quoted string (``"a" and "b"`` is not: its inner quotes are text)."""
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "'\"":
        return None
    quote, body, out, i = text[0], text[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in (quote, "\\"):
            out.append(body[i + 1])
            i += 2
            continue
        if c == quote:
            return None
        out.append(c)
        i += 1
    return "".join(out)


def _split_list(body: str) -> list[str]:
    items, cur, quote = [], [], None
    for ch in body:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            cur.append(ch)
        elif ch == ",":
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur).strip())
    return items


_MAX_LIST_DEPTH = 20


def parse_flag_value(text: str, _depth: int = 0) -> Any:
    """Type one value the way Gage does (see the module docstring)."""
    s = text.strip()
    if s == "":
        return ""
    if s == "true":
        return True
    if s == "false":
        return False
    if s == "null":
        return None
    if _INT_RE.match(s):
        try:
            return int(s)
        except ValueError:  # more digits than int() converts (4300): keep the text
            return s
    if _FLOAT_RE.match(s):
        return float(s)
    unq = _unquote(s)
    if unq is not None:
        return unq
    if len(s) >= 2 and s[0] == "[" and s[-1] == "]" and _depth < _MAX_LIST_DEPTH:
        body = s[1:-1].strip()
        items = [] if not body else _split_list(body)
        if all(items):
            return FlagList([parse_flag_value(i, _depth + 1) for i in items], raw=s)
    return s


def _find_eq(arg: str) -> int:
    quote = None
    for i, ch in enumerate(arg):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "=":
            return i
    return -1


def split_flag_assign(arg: str) -> tuple[str, str]:
    """``"lr = 0.1"`` -> ``("lr", "0.1")``; raises FlagError if not an assignment."""
    i = _find_eq(arg)
    if i <= 0:
        raise FlagError(
            f"invalid flag assignment '{arg}'",
            hint="flags are written NAME=VALUE, e.g. lr=0.1",
        )
    key = arg[:i].strip()
    unquoted = _unquote(key)
    key = unquoted if unquoted is not None else key
    if not key:
        raise FlagError(f"invalid flag assignment '{arg}': empty name")
    # The value as typed: a string flag keeps its spaces.
    return key, arg[i + 1:]


def is_flag_assign(arg: str) -> bool:
    """True for ``NAME=VALUE`` (also ``'my key'=1``); false for options and ops."""
    if arg.startswith("-"):
        return False
    i = _find_eq(arg)
    if i <= 0:
        return False
    key = arg[:i].strip()
    unq = _unquote(key)
    if unq is not None:
        return bool(unq)
    return bool(_KEY_RE.match(key))


def parse_flag_assigns(args: Iterable[str], raw: bool = False) -> dict[str, Any]:
    """Parse ``["lr=0.1", "name='x y'"]`` into ``{"lr": 0.1, "name": "x y"}``.

    With ``raw=True`` values stay the text after ``=`` (as typed, quotes
    kept) so they can be typed later from a default with
    :func:`coerce_flag_value`. A repeated name: the last one wins.
    """
    out: dict[str, Any] = {}
    for arg in args:
        key, text = split_flag_assign(arg)
        out[key] = text if raw else parse_flag_value(text)
    return out


def scalar_text(value: Any) -> str | None:
    """``true``, ``false``, ``null`` or the number as typed (``0.1``, ``3``)
    for those values; None for anything else."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    return None


def format_flag_value(value: Any) -> str:
    """The text a user would type for ``value`` (inverse of parsing)."""
    if isinstance(value, FlagList):
        return value.raw
    text = scalar_text(value)
    if text is not None:
        return text
    if isinstance(value, str):
        parsed = parse_flag_value(value)
        if parsed != value or not isinstance(parsed, str) or value != value.strip():
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return value
    if isinstance(value, list):
        return "[" + ",".join(format_flag_value(v) for v in value) + "]"
    return str(value)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean (true/false)"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    return type(value).__name__


def _bad(name: str | None, value: Any, default: Any) -> FlagError:
    label = f"flag '{name}'" if name else "flag"
    shown = value if isinstance(value, str) else format_flag_value(value)
    return FlagError(
        f"{label} expects {_type_name(default)}, got '{shown}'",
        hint=f"the default is {format_flag_value(default)}",
    )


def coerce_flag_value(value: Any, default: Any, name: str | None = None, _item: bool = False) -> Any:
    """Type ``value`` (raw text or already typed) from ``default``'s type.

    Raises FlagError naming the flag and the expected type.
    """
    if isinstance(value, FlagList):
        return FlagList([coerce_flag_value(v, default, name, True) for v in value], raw=value.raw)
    text = value if isinstance(value, str) else None
    if text is not None and not _item:
        stripped = text.strip()
        if stripped.startswith("[") and stripped.endswith("]") and not isinstance(default, list):
            parsed_list = parse_flag_value(stripped)
            if isinstance(parsed_list, FlagList):
                # Each item typed from its own text (``[007,1e3]`` for a string flag).
                body = stripped[1:-1].strip()
                items = _split_list(body) if body else []
                return FlagList([coerce_flag_value(t, default, name, True) for t in items], raw=stripped)
    if isinstance(value, str):
        # A list item is typed as a scalar: parsing it as a list again
        # would recurse without end on "[[[...]]]".
        parsed = parse_flag_value(value, _MAX_LIST_DEPTH if _item else 0)
    else:
        parsed = value
    if isinstance(parsed, FlagList) and not isinstance(default, list):
        return coerce_flag_value(parsed, default, name)
    if isinstance(default, str) and text is not None:
        # A string flag keeps the text as typed (``007``, ``1e3``, ``null``,
        # spaces); only one whole quoted string is unquoted.
        unq = _unquote(text.strip())
        return unq if unq is not None else text
    if parsed is None or default is None:
        return parsed
    if isinstance(default, bool):
        if isinstance(parsed, bool):
            return parsed
        key = (text if text is not None else str(parsed)).strip().lower()
        if isinstance(parsed, (int, str)) and key in _BOOL_WORDS:
            return _BOOL_WORDS[key]
        raise _bad(name, value, default)
    if isinstance(default, int):
        if isinstance(parsed, int) and not isinstance(parsed, bool):
            return parsed
        raise _bad(name, value, default)
    if isinstance(default, float):
        if isinstance(parsed, (int, float)) and not isinstance(parsed, bool):
            return float(parsed)
        raise _bad(name, value, default)
    if isinstance(default, str):
        return format_flag_value(parsed) if not isinstance(parsed, str) else parsed
    return parsed


def _check_encodable(name: str, value: Any) -> None:
    """Text from the shell that is not valid UTF-8 (surrogate escapes) can
    be written to no config file: refuse it before anything is staged."""

    def shown(text: str) -> str:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    for text in (name, value if isinstance(value, str) else ""):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise FlagError(
                f"flag '{shown(name)}': '{shown(text)}' is not valid UTF-8 text",
                hint="config files are UTF-8: pass names and values as UTF-8 text",
            ) from None


def check_flags(
    flags: Mapping[str, Any], defaults: Mapping[str, Any], op_name: str | None = None
) -> dict[str, Any]:
    """Reject unknown flags (with a did-you-mean hint); return ``flags``
    typed from ``defaults`` via :func:`coerce_flag_value`."""
    out: dict[str, Any] = {}
    for name, value in flags.items():
        _check_encodable(name, value)
        if name not in defaults:
            where = f" for operation '{op_name}'" if op_name else ""
            close = difflib.get_close_matches(name, list(defaults), n=3, cutoff=0.6)
            qualified = sorted(k for k in defaults if k.endswith("#" + name))
            if qualified:
                raise FlagError(
                    f"flag '{name}'{where} is in several config files",
                    hint="name the file: " + " or ".join(f"{k}=..." for k in qualified),
                )
            if close:
                hint = "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
            elif defaults:
                hint = "available flags: " + ", ".join(sorted(defaults))
            else:
                hint = "this operation has no flags"
            raise FlagError(f"unknown flag '{name}'{where}", hint=hint)
        out[name] = coerce_flag_value(value, defaults[name], name)
    return out
