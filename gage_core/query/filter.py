"""The run filter language: ``parse_filter(text) -> RunFilter``.

Used by ``-w/--where`` in the CLI and by the TUI filter bar. The grammar
is in ``gage_core.query.grammar``; the user's guide is ``gage help
filters``. Semantics in short:

* ``field OP value`` with OP one of ``= != < <= > >= ~ !~``; ``~`` is a
  case-insensitive substring test, or a regex search with ``~ /re/``
  (``/re/i`` ignores case). Values compare as numbers when both sides are
  numbers, else as text (``true``/``false`` for booleans).
* A field with several values (``tag``; ``op`` = name and ns:name)
  matches when any value does.
* A missing value never matches ``= < <= > >= ~ in`` and always matches
  their negations ``!= !~ not in`` (``a != b`` is exactly ``not a = b``).
* Time fields take time points and ranges, evaluated against ``now``.
* A bare word (no operator) matches runs whose op, label, name or a tag
  contains it (case-insensitive), whose status is it, or whose id starts
  with it. Juxtaposed terms are joined with ``and``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gage_core.errors import FilterSyntaxError
from gage_core.query.compiler import EvalContext, compile_tree
from gage_core.query.fields import FILTER_FIELDS, filter_fields
from gage_core.store.status import STATUSES

__all__ = [
    "RunFilter",
    "parse_filter",
    "filter_runs",
    "filter_help",
    "filter_fields",
    "filter_completions",
    "FILTER_FIELDS",
    "FilterSyntaxError",
]

_Ctx = EvalContext
_Pred = Callable[[Any, EvalContext], bool]


@dataclass(frozen=True)
class RunFilter:
    """A parsed filter. ``matches(run, now=None)``; ``filter(runs, now=None)``.

    ``now`` (datetime or epoch seconds) fixes the clock for time ranges."""

    text: str
    _pred: _Pred | None = field(default=None, repr=False, compare=False)
    # The parse tree's expression: what the run index's SQL is made from.
    tree: Any = field(default=None, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        return self._pred is None

    def matches(self, run, now=None) -> bool:
        if self._pred is None:
            return True
        return bool(self._pred(run, _Ctx(now)))

    def matcher(self, now=None) -> Callable[[Any], bool]:
        """``matches`` with one clock for every run it is given."""
        if self._pred is None:
            return lambda run: True
        ctx = _Ctx(now)
        pred = self._pred
        return lambda run: bool(pred(run, ctx))

    def filter(self, runs: Iterable[Any], now=None) -> list:
        """The runs that match, in their given order (one clock for all)."""
        if self._pred is None:
            return list(runs)
        ctx = _Ctx(now)
        pred = self._pred
        return [run for run in runs if pred(run, ctx)]


def filter_runs(runs: Iterable[Any], where: str | None, now=None) -> list:
    """``runs`` matching the filter text ``where`` (all when empty)."""
    return parse_filter(where or "").filter(runs, now=now)


def filter_help() -> list[str]:
    """Short help lines for a filter bar: fields, operators, examples."""
    lines = [f"{name:<11} {desc}" for name, desc in FILTER_FIELDS]
    lines += [
        "operators   = != < <= > >= ~ (contains) ~ /regex/ in [a, b] not in [..]",
        "logic       and or not ( ) — a bare word searches op, label, name, tags",
        "time        started after 2 hours ago | before 2026-01-01 | in last 3 days",
        "            | today | yesterday | this week | between A and B",
    ]
    return lines


_KEYWORDS = (
    "and", "or", "not", "in", "not in", "after", "before", "since", "until", "between",
    "today", "yesterday", "this week", "this month", "in last", "ago", "now",
)  # fmt: skip


def filter_completions(text: str, runs: Iterable[Any] = ()) -> list[str]:
    """Completions for the word at the end of ``text`` (a filter being
    typed): field names (with ``config.``/``metric.`` keys from ``runs``),
    keywords and status values that start with it."""
    word = re.split(r"[\s()\[\],=!<>~]", text)[-1] if text else ""
    low = word.lower()
    pool = [*filter_fields(runs), "config.", "metric.", "attr.", *_KEYWORDS, *STATUSES]
    out = [c for c in dict.fromkeys(pool) if c.lower().startswith(low) and c.lower() != low]
    return out


@functools.lru_cache(maxsize=256)
def parse_filter(text: str) -> RunFilter:
    """Parse filter ``text``; raises ``FilterSyntaxError`` (1-based column)."""
    if not isinstance(text, str):
        raise TypeError("filter text must be a str")
    if not text.strip():
        return RunFilter(text)
    from lark.exceptions import UnexpectedInput

    from gage_core.query.grammar import filter_parser

    try:
        tree = filter_parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    except RecursionError:
        raise FilterSyntaxError("filter is nested too deeply", re.sub(r"\s", " ", text), 1) from None
    if not tree.children:
        return RunFilter(text)
    _refuse_lone_keywords(text, tree)
    try:
        pred = compile_tree(text, tree.children[0])
    except RecursionError:
        raise FilterSyntaxError("filter is nested too deeply", re.sub(r"\s", " ", text), 1) from None
    return RunFilter(text, pred, tree.children[0])


# ---------------------------------------------------------------------------
# Syntax errors


def _refuse_lone_keywords(text: str, tree) -> None:
    """Keywords are contextual, so ``-w and`` parses as a search for the
    word "and": almost surely a half-typed expression. Quoting ("and")
    still searches for the word."""
    from lark import Token

    for node in tree.iter_subtrees():
        if node.data != "bare" or not node.children:
            continue
        token = node.children[0]
        if isinstance(token, Token) and token.type == "WORD" and token.value.lower() in ("and", "or"):
            raise FilterSyntaxError(
                f"'{token.value}' needs a term on each side",
                re.sub(r"\s", " ", text),
                token.column or 1,
                hint=f'to search for the word, quote it: "{token.value}"',
            )


def _describe(name: str) -> str | None:
    from gage_core.query.grammar import TERMINAL_DESCRIPTIONS, filter_parser

    if name.startswith("a "):
        return name
    if name in TERMINAL_DESCRIPTIONS:
        return TERMINAL_DESCRIPTIONS[name]
    try:
        pattern = filter_parser().get_terminal(name).pattern
    except Exception:  # unknown terminal name: leave it out
        return None
    return f"'{pattern.value}'" if pattern.type == "str" else None


_EXPECT_ORDER = ["OP", "a field or word", "a value", "WORD", "STRING", "NUMBER", "DATE", "REGEX", "UNIT", "_AGO", "RPAR", "RSQB"]


_VALUE_TERMINALS = {"WORD", "STRING", "NUMBER", "DATE", "REGEX", "NOW", "TODAY", "YESTERDAY", "DURATION"}


def _expected(names) -> str:
    names = set(names)
    if {"WORD", "STRING"} <= names:
        what = "a field or word" if "LPAR" in names else "a value"
        names = (names - _VALUE_TERMINALS) | {what}
    names = sorted(names, key=lambda n: (_EXPECT_ORDER.index(n) if n in _EXPECT_ORDER else 99, n))
    words = [d for d in (_describe(n) for n in names) if d]
    words = list(dict.fromkeys(words))
    if not words:
        return ""
    if len(words) > 5:
        words = words[:5] + ["..."]
    return "expected " + (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1])


def _syntax_error(text: str, e) -> FilterSyntaxError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    show = re.sub(r"\s", " ", text)
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream if e.pos_in_stream is not None else len(text)
        ch = text[pos] if pos < len(text) else ""
        if ch in "\"'":
            return FilterSyntaxError("unterminated string", show, pos + 1, hint="close it with " + ch)
        if ch == "/":
            return FilterSyntaxError("unterminated /regex/", show, pos + 1, hint="close it with /")
        expected = _expected(e.allowed or ())
        msg = f"unexpected {ch!r}" + (f"; {expected}" if expected else "")
        return FilterSyntaxError(msg, show, pos + 1)
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        tok = e.token
        if tok.type == "RPAR" and "RPAR" not in (e.expected or ()):
            return FilterSyntaxError("unmatched ')'", show, (tok.start_pos or 0) + 1)
        if tok.type == "LSQB":
            return FilterSyntaxError(
                "unexpected '['", show, (tok.start_pos or 0) + 1, hint="lists go with 'in': status in [a, b]"
            )
        expected = _expected(e.expected or ())
        msg = f"unexpected '{tok}'" + (f"; {expected}" if expected else "")
        return FilterSyntaxError(msg, show, (tok.start_pos or 0) + 1)
    expected = _expected(getattr(e, "expected", None) or ())
    msg = "unexpected end of filter" + (f"; {expected}" if expected else "")
    end = len(text.rstrip())
    return FilterSyntaxError(msg, show, end + (2 if len(text) > end else 1))
